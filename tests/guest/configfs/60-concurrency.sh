#!/bin/bash
# The main suite's concurrency test (suite/58-concurrency.sh) with a
# withheld_ram region among the actors: disabled and enabled again every
# few seconds while the writers, memctl, the API, virtio-mem's resize, the
# readers and the memory hog go on; its blocks checked, onlined and
# pattern-tested afterwards like the others, then the region removed.
CONC_WITHHELD=1 exec bash /harness/suite/58-concurrency.sh
