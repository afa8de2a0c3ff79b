# Shared helpers for guest tests (bash). A test script sources this file,
# calls ok/fail/check for every assertion, and the runner (run.sh) numbers
# the results and turns them into TAP.

MEMDIR=/sys/devices/system/memory
: "${TAP_RESULTS:=/tmp/results}"
TEST_NAME=$(basename "$0" .sh)

# Record one result: ok "description" / fail "description" "why".
ok() {
	printf 'ok\t%s: %s\n' "$TEST_NAME" "$1" >> "$TAP_RESULTS"
	echo "  ok: $1"
}

fail() {
	printf 'not ok\t%s: %s\t%s\n' "$TEST_NAME" "$1" "${2:-}" >> "$TAP_RESULTS"
	echo "  FAILED: $1${2:+ ($2)}"
}

# check "description" command...: ok if the command succeeds.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc" "$(echo "$out" | tail -1)"
	fi
}

# expect "description" expected actual
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# Abort the script: the runner reports it as not ok.
bail() {
	fail "${1:-bail out}" "${2:-}"
	exit 1
}

# Write WORD to a sysfs FILE; prints OK or the errno name (EBUSY, ...).
swrite() {
	sysfs_write "$1" "$2" 2>&1
}

block_size() {
	printf '%d' "0x$(cat $MEMDIR/block_size_bytes)"
}

block_state() {
	cat "$MEMDIR/memory$1/state"
}

# Blocks (indices) whose physical range lies in a /proc/iomem top-level
# resource whose name matches $1 exactly (e.g. "System RAM (virtio_mem)").
blocks_of() {
	local name=$1 bs start end s e
	bs=$(block_size)
	while IFS= read -r line; do
		line=${line#"${line%%[! ]*}"}
		[ "${line#*: }" = "$name" ] || continue
		s=$((0x${line%%-*}))
		e=${line#*-}
		e=$((0x${e%% *}))
		start=$((s / bs))
		end=$((e / bs))
		for ((i = start; i <= end; i++)); do
			[ -d "$MEMDIR/memory$i" ] && echo "$i"
		done
	done < /proc/iomem
}

vmem_blocks() {
	blocks_of "System RAM (virtio_mem)"
}

# The first index of the boot RAM blocks.
boot_blocks() {
	blocks_of "System RAM"
}

# wait_for SECONDS command...: poll until the command succeeds.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# Requests to the host harness (scripts/qemu-run.py) over the virtio-serial
# control port that run.sh opened as fd 3. Prints the reply after "ok".
host() {
	local reply
	[ -e /proc/self/fd/3 ] || { echo "no host channel" >&2; return 1; }
	echo "REQ $*" >&3
	IFS= read -r -t 60 reply <&3 || { echo "host: no reply" >&2; return 1; }
	case $reply in
	"REP ok"*) reply=${reply#REP ok}; echo "${reply# }" ;;
	*) echo "host: ${reply#REP }" >&2; return 1 ;;
	esac
}
