#!/bin/bash
# `make install` puts memctl, its man page and the udev rules where PATH,
# man and udev look, under DESTDIR, for the default PREFIX (/usr/local) and
# for PREFIX=/usr; the rules run the memctl that was installed with them.
# The rules are tested under systemd-udevd in the guest (tests/guest/udev).
cd "$(dirname "$0")/../.." || exit 1
n=0
t() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for prefix in /usr/local /usr; do
	d=$tmp/${prefix//\//_}
	if [ $prefix = /usr/local ]; then
		make -s install DESTDIR="$d" > "$tmp/log" 2>&1
	else
		make -s install DESTDIR="$d" PREFIX=$prefix > "$tmp/log" 2>&1
	fi
	t $? "make install DESTDIR=... (PREFIX $prefix) succeeds"
	sed 's/^/# /' "$tmp/log"
	want="$prefix/lib/udev/rules.d/30-memctl-depopulate.rules
$prefix/lib/udev/rules.d/70-memctl-depopulated.rules
$prefix/sbin/memctl
$prefix/share/doc/memctl/depopulate.conf.example
$prefix/share/man/man8/memctl.8"
	got=$(cd "$d" && find . -type f | sed 's/^\.//' | sort)
	t "$([ "$got" = "$want" ]; echo $?)" "PREFIX $prefix: exactly memctl, memctl.8, the two rules and the example policy"
	[ "$got" = "$want" ] || echo "$got" | sed 's/^/#   got: /'
	rules=$d$prefix/lib/udev/rules.d/30-memctl-depopulate.rules
	t "$(grep -qx "IMPORT{program}=\"$prefix/sbin/memctl udev-env %k\"" "$rules"; echo $?)" \
		"PREFIX $prefix: the rule runs $prefix/sbin/memctl"
	t "$(! grep -q @ "$rules"; echo $?)" "PREFIX $prefix: no placeholder left in the rule"
	t "$([ "$(stat -c %a "$rules")" = 644 ] && [ "$(stat -c %a "$d$prefix/sbin/memctl")" = 755 ]; echo $?)" \
		"PREFIX $prefix: rules 0644, memctl 0755"
	"$d$prefix/sbin/memctl" --version > /dev/null
	t $? "PREFIX $prefix: the installed memctl runs"
done
echo "1..$n"
