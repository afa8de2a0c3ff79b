# Shell helpers for the udev suite (tests/guest/udev): Debian's
# systemd-udevd runs as a daemon with the project's rules installed in
# /usr/local/lib/udev/rules.d (scripts/mkinitramfs.sh), and busybox syslogd
# collects what the example rule logs. Source after lib.sh.

POLICY=/etc/memctl/depopulate.conf
MESSAGES=/tmp/messages
DISTRO_RULE=/etc/udev/rules.d/40-distro-memory-online.rules

# policy_on OWNER... / policy_off: write or remove the policy file.
policy_on() {
	mkdir -p "${POLICY%/*}"
	printf '%s\n' "$@" > "$POLICY"
}

policy_off() {
	rm -f "$POLICY"
}

settle() {
	udevadm settle --timeout=60
}

# The lines the example rule (70-memctl-depopulated.rules) logged for
# block $1, as "STATE STATE ...".
logged() {
	sed -n "s/.* memctl: memory$1: \(.*\)$/\1/p" "$MESSAGES" | xargs
}

# vmem_grow SIZE N: set the virtio-mem requested size and wait until there
# are N virtio-mem blocks and udev has handled their events.
vmem_count_is() { [ "$(vmem_blocks | wc -l)" -eq "$1" ]; }
vmem_grow() {
	host vmem-resize "$1" > /dev/null &&
		wait_for 60 vmem_count_is "$2" && settle
}

# udev_prop BLOCK KEY: a property of the block in udev's database (the
# last event's; 252 prints tags as TAGS= and CURRENT_TAGS= properties).
udev_prop() {
	udevadm info --query=property --property="$2" --value \
		"$MEMDIR/memory$1" 2>/dev/null
}

# tagged BLOCK: "yes" if the last event of the block left it tagged
# memctl_depopulated (70-memctl-depopulated.rules), else "no".
tagged() {
	case $(udev_prop "$1" CURRENT_TAGS) in
	*:memctl_depopulated:*) echo yes ;;
	*) echo no ;;
	esac
}

# monitor_start / monitor_stop: record the events udev sends out after
# its rules ran (udevadm monitor --udev --property) into $EVENTS.
EVENTS=/tmp/udev-events
monitor_start() {
	# Remove the last recording first: the header of the old file must not
	# pass for the new monitor's, which may not be listening yet.
	rm -f "$EVENTS"
	udevadm monitor --udev --property --subsystem-match=memory > "$EVENTS" 2>&1 &
	MONITOR=$!
	wait_for 10 grep -q '^UDEV - ' "$EVENTS"
}

monitor_stop() {
	settle
	kill "$MONITOR" 2>/dev/null
	wait "$MONITOR" 2>/dev/null
}

# event_prop BLOCK ACTION KEY: KEY of every recorded ACTION event of the
# block, one per line ("-" where the event lacks it).
event_prop() {
	awk -v dev="/devices/system/memory/memory$1" -v act="$2" -v key="$3" '
		/^UDEV / { want = ($3 == act && $4 == dev); val = "-"; next }
		want && index($0, key "=") == 1 { val = substr($0, length(key) + 2) }
		want && /^$/ { print val; want = 0 }
		END { if (want) print val }' "$EVENTS"
}

# The state of every block in $@, as one line.
states_of() {
	local b
	for b in "$@"; do
		printf '%s ' "$(block_state "$b")"
	done | xargs
}

# depopulated_and_unmapped B...: each block is offline_depopulated and its
# linear address faults.
depopulated_and_unmapped() {
	local b
	for b in "$@"; do
		[ "$(block_state "$b")" = offline_depopulated ] || return 1
		[ "$(probe_block "$b")" = -14 ] || return 1
	done
}
