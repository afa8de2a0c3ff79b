# Concurrency machinery for guest tests (bash), sourced after lib.sh: a set
# of background actors changes and reads the memory blocks at the same time
# for a while, every operation's outcome is recorded, and afterwards each
# outcome is checked against the list of outcomes the script allows for that
# operation (the errnos the ABI documents for it).
#
#   conc_init                   a fresh $CONC directory and block list:
#                               the blocks that the commands in
#                               CONC_SOURCES list (default: vmem_blocks)
#   conc_actor NAME FUNC ARG... add an actor: FUNC ARG... runs in the
#                               background, in its own subshell, while
#                               conc_running succeeds; the set of actors is
#                               the list of these calls, so a suite adds its
#                               own (conc_withheld: a region that comes
#                               and goes)
#   conc_allow OP "RESULT..."   the outcomes operation OP may have (OK and
#                               errno names); RESULT@removing: only while
#                               blocks are being removed (below); anything
#                               else is unexpected
#   conc_run SECS [MAX ENOUGH]  start every actor, stop them after SECS, or
#                               later, up to MAX seconds, until the command
#                               ENOUGH succeeds (on a slow or busy machine,
#                               until enough has happened), and wait up to
#                               $CONC_GRACE seconds (180) for them to end
#   conc_check                  print the counts; assert that every actor
#                               ended and recorded something, and that no
#                               outcome was unexpected
#
# An actor records each operation with conc_rec OP RESULT [COUNT]. Blocks
# can disappear under an actor (virtio-mem unplugging them): an actor that
# removes blocks brackets the removal with conc_removing_begin NAME and
# conc_removing_end NAME, and an operation that overlapped such a window
# (conc_begin before it, conc_swrite or conc_rec after it) may also end in
# one of $CONC_GONE: the block's sysfs files were gone (open: ENOENT) or
# went away while open (write: ENODEV, kernfs refuses a removed node);
# memctl says so with exit status 3 (a block's state could not be read) or,
# for one block, "state unreadable".
#
# The state files are not touched while blocks are removed. Removing a
# memory block waits for the tasks inside its sysfs files (kernfs_drain())
# while it holds mem_hotplug_lock (try_remove_memory() ->
# remove_memory_block_devices()), and a write of "offline" to a state file
# takes mem_hotplug_lock inside the file: once both have happened, lockdep
# reports a possible circular locking dependency (kn->active of "state"
# and mem_hotplug_lock) and turns itself off for the rest of the boot. It
# cannot deadlock, as both hold device_hotplug_lock, which sysfs writes only
# try-lock, and it is not the series': Debian's unpatched 6.12 reports it
# the same way (one sysfs offline, then a loop reading the state files
# while virtio-mem shrinks). Upstream once moved the removal out of
# mem_hotplug_lock for this very report (5.5, "mm/memory_hotplug: fix
# remove_memory() lockdep splat"); 6.12 has it back under the lock. So an
# actor brackets each access to state files (a write, a read, a memctl
# run) with conc_state_enter and conc_state_leave, and a remover calls
# conc_quiesce_begin NAME, which holds off new accesses and waits for those
# under way, before it removes anything, and conc_quiesce_end NAME when the
# blocks are back.
CONC=/tmp/conc
CONC_GONE="ENOENT ENODEV exit3 unreadable"
CONC_ACTORS=()
CONC_SOURCES=(vmem_blocks)
declare -A CONC_ALLOWED

conc_init() {
	rm -rf $CONC
	mkdir -p $CONC
	conc_update_blocks
	CONC_ACTORS=()
	CONC_ALLOWED=()
}

# conc_update_blocks: write the current list of blocks (of every command in
# CONC_SOURCES) to $CONC/blocks, at once (a rename).
conc_update_blocks() {
	local src
	for src in "${CONC_SOURCES[@]}"; do
		$src
	done | sort -n | xargs > "$CONC/blocks.${CONC_NAME:-main}"
	mv "$CONC/blocks.${CONC_NAME:-main}" $CONC/blocks
}

conc_actor() {
	CONC_ACTORS+=("$(printf '%q ' "$@")")
}

conc_allow() {
	CONC_ALLOWED[$1]=$2
}

conc_running() {
	[ ! -e $CONC/stop ]
}

conc_removing_begin() {
	: > "$CONC/removing.$1"
}

# Leave the window a little after the block list was updated: an actor
# that picked a block from the old list has written to it by then.
conc_removing_end() {
	sleep 2
	rm -f "$CONC/removing.$1"
}

# conc_any PATTERN: a file matches the glob PATTERN.
conc_any() {
	local f
	for f in $1; do
		[ -e "$f" ] && return 0
	done
	return 1
}

conc_removing() {
	conc_any "$CONC/removing.*"
}

conc_quiescing() {
	conc_any "$CONC/quiesce.*"
}

# conc_state_enter: wait until no remover holds the state files off, and
# say that this actor is inside them. The mark is made before the check
# and the remover asks before it looks for marks, so either the actor sees
# the request or the remover sees the mark.
conc_state_enter() {
	while :; do
		: > "$CONC/inside.$CONC_NAME"
		conc_quiescing || return 0
		rm -f "$CONC/inside.$CONC_NAME"
		while conc_quiescing; do
			conc_nap 0.1
		done
	done
}

conc_state_leave() {
	rm -f "$CONC/inside.$CONC_NAME"
}

# No actor is inside a state file.
conc_none_inside() {
	! conc_any "$CONC/inside.*"
}

# conc_quiesce_begin NAME: become the one remover (up to 180 s: another may
# be adding and removing blocks; mkdir is atomic), then hold off new
# accesses to the state files and wait for those under way, up to 60 s (an
# offline that migrates takes seconds under TCG, a memctl run as long as
# the writes it makes); fails, and holds nothing off any more, if either
# wait does not end. One remover at a time, so that the block list one of
# them writes at the end is never one another is changing meanwhile.
conc_quiesce_begin() {
	wait_for 180 mkdir $CONC/remover 2> /dev/null || return 1
	: > "$CONC/quiesce.$1"
	wait_for 60 conc_none_inside && return 0
	rm -f "$CONC/quiesce.$1"
	rmdir $CONC/remover
	return 1
}

conc_quiesce_end() {
	rm -f "$CONC/quiesce.$1"
	rmdir $CONC/remover
}

# conc_begin: start an operation; CONC_W=1 if a removal is under way.
conc_begin() {
	CONC_W=0
	conc_removing && CONC_W=1
	CONC_T0=${EPOCHREALTIME/./}
}

# conc_rec OP RESULT [COUNT]: record COUNT (1) operations OP with RESULT,
# and how long it took since conc_begin (ms; 0 for a count of several).
conc_rec() {
	local ms=0
	conc_removing && CONC_W=1
	[ -n "${3:-}" ] || ms=$(((${EPOCHREALTIME/./} - ${CONC_T0:-0}) / 1000))
	echo "$1 $2 ${CONC_W:-0} ${3:-1} $ms" >> "$CONC/$CONC_NAME.rec"
}

# conc_swrite OP FILE WORD: write WORD to the sysfs FILE, record its
# outcome (OK or the errno name) as OP. Without forking (lib.sh,
# swrite_var): besides the time, every fork maps the shared libraries' pages
# once more, which migration must then unmap from one more process.
conc_swrite() {
	local r
	swrite_var r "$2" "$3"
	conc_rec "$1" "$r"
}

# conc_blocks: the current list of blocks (an array, CONC_BLOCKS).
conc_blocks() {
	read -ra CONC_BLOCKS < $CONC/blocks
}

# conc_nap SECONDS: sleep without forking (a read that times out on the
# actor's own FIFO, which nobody writes to). Under TCG a fork costs more
# than many of the operations, and an actor whose operations fail at once
# (EINVAL) would otherwise spin and take the CPU from the others.
conc_nap() {
	read -r -t "$1" -u "$CONC_NAPFD"
}

conc_run() {
	local secs=$1 max=${2:-$1} enough=${3:-true} grace=${CONC_GRACE:-180}
	local a name t0 left
	declare -gA CONC_PID=()
	rm -f $CONC/stop
	CONC_START=$SECONDS
	for a in "${CONC_ACTORS[@]}"; do
		eval "set -- $a"
		name=$1
		shift
		(
			CONC_NAME=$name
			# Subshells share the parent's random sequence.
			RANDOM=$((BASHPID * 7919 % 32768))
			mkfifo "$CONC/$name.nap"
			exec {CONC_NAPFD}<> "$CONC/$name.nap"
			conc_begin
			: > "$CONC/$name.rec"
			"$@"
		) > "$CONC/$name.log" 2>&1 &
		CONC_PID[$name]=$!
	done
	sleep "$secs"
	while ((SECONDS - CONC_START < max)) && ! $enough; do
		sleep 1
	done
	: > $CONC/stop
	t0=$SECONDS
	CONC_RAN=$((t0 - CONC_START))
	CONC_HUNG=""
	for name in "${!CONC_PID[@]}"; do
		left=$((grace - (SECONDS - t0)))
		((left < 1)) && left=1
		wait_for "$left" conc_ended "${CONC_PID[$name]}" ||
			CONC_HUNG="$CONC_HUNG $name"
	done
	for name in $CONC_HUNG; do
		kill -KILL "${CONC_PID[$name]}" 2>/dev/null
	done
	wait 2>/dev/null
	echo "  actors ran ${CONC_RAN}s, all ended $((SECONDS - t0))s after the stop"
}

conc_ended() {
	! kill -0 "$1" 2>/dev/null
}

# conc_count OP RESULT: how many operations OP ended with RESULT (both
# regular expressions for awk, e.g. "state:offline.*" and "OK").
conc_count() {
	cat $CONC/*.rec | awk -v op="$1" -v res="^($2)\$" \
		'$1 ~ "^(" op ")$" && $2 ~ res { n += $4 } END { print n + 0 }'
}

conc_check() {
	local a op r
	expect "every actor ended within the grace period" "" "${CONC_HUNG# }"
	for a in "${CONC_ACTORS[@]}"; do
		eval "set -- $a"
		expect "actor $1 recorded its operations" 1 \
			"$([ -s "$CONC/$1.rec" ] && echo 1)"
	done
	: > $CONC/allowed
	for op in "${!CONC_ALLOWED[@]}"; do
		for r in ${CONC_ALLOWED[$op]}; do
			echo "$op $r" >> $CONC/allowed
		done
	done
	# One line per operation and result: OP RESULT COUNT CLASS MAX_MS,
	# CLASS being ok (allowed), removing (allowed during a removal) or
	# UNEXPECTED, MAX_MS the longest such operation took.
	cat $CONC/*.rec | awk -v gone="$CONC_GONE" -v allowed_file=$CONC/allowed '
	BEGIN {
		while ((getline line < allowed_file) > 0) {
			split(line, f, " ")
			if (sub(/@removing$/, "", f[2]))
				wallowed[f[1] " " f[2]] = 1
			else
				allowed[f[1] " " f[2]] = 1
		}
		n = split(gone, g, " ")
		for (i = 1; i <= n; i++)
			isgone[g[i]] = 1
	}
	NF >= 5 {
		key = $1 " " $2
		if (key in allowed)
			cls = "ok"
		else if ($3 == 1 && ((key in wallowed) || ($2 in isgone)))
			cls = "removing"
		else
			cls = "UNEXPECTED"
		count[key " " cls] += $4
		if ($5 > max[key " " cls])
			max[key " " cls] = $5
	}
	END {
		for (k in count) {
			split(k, f, " ")
			print f[1], f[2], count[k], f[3], max[k] + 0
		}
	}' | sort > $CONC/summary
	echo "  outcomes (operation, result, count, class, longest in ms):"
	sed 's/^/    /' $CONC/summary
	expect "no unexpected outcome" "" "$(awk '$4 == "UNEXPECTED" {
		printf "%s %s x%d; ", $1, $2, $3 }' $CONC/summary)"
}

# ---- actors ----------------------------------------------------------------

# conc_writer BLOCKS WORD...: write one of the WORDs, at random, to the state
# of one of the blocks, at random, over and over; BLOCKS is "all" (the
# current list) or a list of block indices separated by commas. Records
# state:WORD.
conc_writer() {
	local which=$1 b word
	shift
	local words=("$@")
	while conc_running; do
		conc_state_enter
		conc_begin
		if [ "$which" = all ]; then
			conc_blocks
		else
			IFS=, read -ra CONC_BLOCKS <<< "$which"
		fi
		b=${CONC_BLOCKS[RANDOM % ${#CONC_BLOCKS[@]}]}
		word=${words[RANDOM % ${#words[@]}]}
		conc_swrite "state:$word" "$MEMDIR/memory$b/state" "$word"
		conc_state_leave
		conc_nap 0.05
	done
}

# What memctl prints for a block it did not write to, as a result name
# (errors it got from the kernel are strerror() texts: lib.sh, STRERROR).
declare -A CONC_MEMCTL_WHY=(
	["state unreadable"]=unreadable
	["block is going-offline"]=going-offline
	["not eligible for depopulation"]=ineligible
)

# conc_memctl COMMAND...: run memctl on the virtio-mem blocks (--owner
# virtio_mem) with one of the COMMANDs ("depopulate 256M", "online --movable
# 128M", ...), at random, over and over. Records memctl:CMD with its exit
# status (exit0, exit1, exit64, exit2-short: the size asked for is more than
# the blocks that can make the transition now, exit2 for another usage
# error, exit3), and each block's outcome as memctl-write:WORD, WORD being
# what memctl writes to the block's state: OK for a block changed, or the
# error it printed for it. Its standard error goes to $CONC/memctl.stderr.
conc_memctl() {
	local cmds=("$@") cmd out rc r word line why n
	while conc_running; do
		conc_state_enter
		conc_begin
		cmd=${cmds[RANDOM % ${#cmds[@]}]}
		set -- $cmd
		case $1 in
		depopulate) word=offline_depopulated ;;
		offline | populate) word=offline ;;
		online) word=online_movable ;;
		esac
		out=$(memctl "$1" --owner virtio_mem "${@:2}" 2> $CONC/memctl.err)
		rc=$?
		conc_state_leave
		r=exit$rc
		if [ $rc = 2 ] && grep -q ' can be ' $CONC/memctl.err; then
			r=exit2-short
		fi
		conc_rec "memctl:$1" "$r"
		n=0
		while IFS= read -r line; do
			case $line in
			memory*": failed: "*)
				why=${line#*: failed: }
				why=${why%% (*}
				r=${STRERROR[$why]:-${CONC_MEMCTL_WHY[$why]:-${why// /_}}}
				conc_rec "memctl-write:$word" "$r"
				;;
			memory*" -> "*) n=$((n + 1)) ;;
			esac
		done <<< "$out"
		[ $n = 0 ] || conc_rec "memctl-write:$word" OK $n
		sed "s|^|$cmd: |" $CONC/memctl.err >> $CONC/memctl.stderr
		conc_nap 0.2
	done
}

# conc_api_start START SIZE: start depop_test's api_loop, which calls the
# exported API on that range until conc_api stops it. Before conc_run, so
# that its first calls find the range as the script left it.
conc_api_start() {
	echo "$1 $2" > $DEPOP/api_loop
}

# conc_api: the actor that stops the api_loop at the end and records
# api:depopulate and api:populate with the counts of each outcome (OK or
# the errno).
conc_api() {
	local out f i r
	while conc_running; do
		conc_nap 0.5
	done
	if echo stop > $DEPOP/api_loop; then
		conc_rec api:stop OK
	else
		conc_rec api:stop FAILED
	fi
	out=$(cat $DEPOP/api_loop)
	echo "$out"
	# "depopulate 635 ok 364 EBUSY 271": whether a removal overlapped one
	# call is not known, so CONC_W stays 0.
	while read -ra f; do
		case ${f[0]} in
		depopulate | populate) ;;
		*) continue ;;
		esac
		for ((i = 2; i + 1 < ${#f[@]}; i += 2)); do
			r=${f[i]}
			[ "$r" = ok ] && r=OK
			CONC_W=0
			conc_rec "api:${f[0]}" "$r" "${f[i + 1]}"
		done
	done <<< "$out"
}

# conc_vmem_is BYTES N: virtio-mem has BYTES plugged and N blocks present.
conc_vmem_is() {
	[ "$(host vmem-size)" = "$1" ] && [ "$(vmem_blocks | wc -l)" = "$2" ]
}

conc_vmem_at_most() {
	local s
	s=$(host vmem-size) && [ "$s" -le "$1" ]
}

# conc_resize DOWN UP AT...: at each AT seconds after the start, ask
# virtio-mem (QMP) for DOWN bytes, wait until it has unplugged them, and
# ask for UP bytes again; blocks disappear and come back meanwhile (a
# removal window, with the state files quiesced). Records resize:quiesce,
# resize:down and resize:up (the requests), resize:shrunk and resize:grown
# (OK, or TIMEOUT if virtio-mem did not get there in time). The only actor
# that talks to the host.
conc_resize() {
	local down=$1 up=$2 at t0=$SECONDS n
	shift 2
	n=$(vmem_blocks | wc -l)
	for at in "$@"; do
		while conc_running && ((SECONDS - t0 < at)); do
			conc_nap 0.5
		done
		conc_running || break
		conc_begin
		if ! conc_quiesce_begin resize; then
			conc_rec resize:quiesce TIMEOUT
			continue
		fi
		conc_rec resize:quiesce OK
		conc_removing_begin resize
		conc_begin
		if host vmem-resize "$down" > /dev/null; then
			conc_rec resize:down OK
		else
			conc_rec resize:down FAILED
		fi
		# virtio-mem unplugs within seconds when it can; it retries
		# 50 s later or more when a block refused
		# (VIRTIO_MEM_RETRY_TIMER_MIN_MS), so 30 s is long enough
		# when nothing is wrong.
		if wait_for 30 conc_vmem_at_most "$down"; then
			conc_rec resize:shrunk OK
		else
			conc_rec resize:shrunk TIMEOUT
		fi
		conc_begin
		if host vmem-resize "$up" > /dev/null; then
			conc_rec resize:up OK
		else
			conc_rec resize:up FAILED
		fi
		# Plugging and adding a block takes well under 5 s under TCG.
		if wait_for 60 conc_vmem_is "$up" "$n"; then
			conc_rec resize:grown OK
		else
			conc_rec resize:grown TIMEOUT
		fi
		conc_update_blocks
		conc_quiesce_end resize
		conc_removing_end resize
	done
}

# conc_withheld NAME TYPE...: the withheld_ram region NAME (withheld_ram.sh;
# set up, enabled, before conc_run) disabled and enabled again over and
# over, 2 to 5 s apart, each time with one of the online TYPEs (its
# online_type) at random; its blocks leave and join the block list.
# Disabling offlines and removes its blocks: a removal window, the state
# files quiesced. Enabling adds them, quiesced too, so that one remover at
# a time writes the block list. Records withheld:quiesce, withheld:disable
# (OK, or EBUSY: a block could not be offlined, the region stays enabled),
# withheld:online_type and withheld:enable (OK or the errno).
conc_withheld() {
	local name=$1 d=$MRDIR/$1 en r
	shift
	local types=("$@")
	while conc_running; do
		conc_nap $((2 + RANDOM % 4))
		conc_running || break
		conc_begin
		if ! conc_quiesce_begin "$name"; then
			conc_rec withheld:quiesce TIMEOUT
			continue
		fi
		conc_rec withheld:quiesce OK
		read -r en < "$d/enable"
		if [ "$en" = 1 ]; then
			conc_removing_begin "$name"
			conc_begin
			swrite_var r "$d/enable" 0
			conc_rec withheld:disable "$r"
		else
			conc_begin
			swrite_var r "$d/online_type" \
				"${types[RANDOM % ${#types[@]}]}"
			conc_rec withheld:online_type "$r"
			conc_begin
			swrite_var r "$d/enable" 1
			conc_rec withheld:enable "$r"
		fi
		conc_update_blocks
		conc_quiesce_end "$name"
		[ "$en" = 1 ] && conc_removing_end "$name"
	done
}

# conc_read_attr ATTR BLOCK REGEX: read a block attribute, record
# read:ATTR OK if it matches REGEX, BAD:<value> if not, ENOENT if it could
# not be read.
conc_read_attr() {
	local v
	if ! read -r v 2> /dev/null < "$MEMDIR/memory$2/$1"; then
		conc_rec "read:$1" ENOENT
	elif [[ $v =~ $3 ]]; then
		conc_rec "read:$1" OK
	else
		conc_rec "read:$1" "BAD:${v// /_}"
	fi
}

# conc_reader WHAT...: read, over and over, what WHAT names of every block:
# its state, valid_zones, depopulatable, probe (the linear-map probe,
# without forking), and, every 5 s at most, the whole ptdump (ptdump) and
# one block's ptdump lines and probe through lib.sh's helpers
# (probe_block): the kernel's ptdump walk takes 0.5 to 1.5 s of CPU under
# TCG with rodata=full (every PTE of the linear map), and lib.sh's parser
# seconds more, which the other actors need. Nothing may crash or hang, and
# each value must be one a block can have at some moment (the state and the
# probe may disagree: the block may change between the two reads). A reader
# of the state files holds off while blocks are removed (see above); the
# others go on.
conc_reader() {
	local what=" $* " b p bs last=-5
	bs=$(block_size)
	while conc_running; do
		conc_blocks
		for b in "${CONC_BLOCKS[@]}"; do
			if [[ $what == *" state "* ]]; then
				conc_state_enter
				conc_begin
				conc_read_attr state "$b" \
					'^(online|offline|offline_depopulated|going-offline)$'
				conc_state_leave
			fi
			conc_begin
			[[ $what == *" valid_zones "* ]] && conc_read_attr valid_zones \
				"$b" '^[A-Za-z0-9]+( [A-Za-z0-9]+)*$'
			[[ $what == *" depopulatable "* ]] &&
				conc_read_attr depopulatable "$b" '^1$'
			[[ $what == *" probe "* ]] || continue
			p=none
			echo $((b * bs)) > $DEPOP/probe && read -r p < $DEPOP/probe
			case $p in
			0 | -14) conc_rec read:probe OK ;;
			*) conc_rec read:probe "BAD:$p" ;;
			esac
		done
		conc_nap 0.2
		((SECONDS - last >= 5)) || continue
		last=$SECONDS
		if [[ $what == *" ptdump "* ]]; then
			conc_begin
			if cat $PTDUMP > /dev/null; then
				conc_rec read:ptdump OK
			else
				conc_rec read:ptdump FAILED
			fi
		fi
		if [[ $what == *" probe_block "* ]]; then
			b=${CONC_BLOCKS[RANDOM % ${#CONC_BLOCKS[@]}]}
			conc_begin
			ptdump_block "$b" > /dev/null
			p=$(probe_block "$b")
			case $p in
			0 | -14) conc_rec read:probe_block OK ;;
			*) conc_rec read:probe_block "BAD:$p" ;;
			esac
		fi
	done
}

# conc_memhog_start NAME MIB [PAUSE_MS]: start memhog (tests/progs/memhog.c),
# which keeps MIB MiB of anonymous memory busy, so that offlining has pages
# to migrate (or, where they land in boot memory, less free memory for it
# to migrate to), and wait until it has touched them all. Before conc_run,
# where the memory it gets is known; the actor NAME conc_memhog NAME stops
# it at the end.
conc_memhog_start() {
	local name=$1
	shift
	(
		memhog "$@" > $CONC/$name.out 2>&1 &
		echo $! > $CONC/$name.pid
		wait $!
		echo $? > $CONC/$name.rc
	) &
	wait_for 120 grep -qs touched $CONC/$name.out
}

# conc_memhog NAME: the actor that stops memhog NAME at the end. Records
# memhog exit0, or exit1 if a page it wrote read back different (migration
# lost or corrupted it), or another status if it died meanwhile.
conc_memhog() {
	local pid rc=none
	read -r pid < $CONC/$1.pid
	while conc_running && kill -0 "$pid" 2> /dev/null; do
		conc_nap 0.5
	done
	kill -TERM "$pid" 2> /dev/null
	wait_for 30 test -s $CONC/$1.rc
	read -r rc < $CONC/$1.rc
	conc_rec memhog "exit$rc"
	cat $CONC/$1.out
}
