#!/bin/sh
# Proves the README's two commands on a freshly bootstrapped Debian 12: a
# minbase root with only git, make, ca-certificates and sudo, a clone of
# the commit under test (no ../shared beside it), then, as a non-root user
# with sudo, `make demo` and `make check`; then, as root in a second clone,
# `make demo` and `make check` again. A missing install step fails here,
# where a warm machine would hide it. Called by .ci/run; needs root.
#
# Usage: scripts/fresh-root.sh [COMMIT]     (default HEAD)
#   FRESH_ROOT_KEEP=1   keep the root afterwards (its path is printed)
#
# The root uses the host's own Debian sources and CA certificates, so a
# proxy or a TLS-intercepting gateway in front of the registries works as
# it does on the host.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$top" rev-parse "${1:-HEAD}")
[ "$(id -u)" = 0 ] || { echo "fresh-root: needs root (debootstrap, chroot)" >&2; exit 1; }

say() { printf 'fresh-root: %s\n' "$*" >&2; }
t0=$(date +%s)
lap() { say "$1 ($(($(date +%s) - t0)) s so far)"; }

command -v debootstrap >/dev/null || {
	say "installing debootstrap"
	command -v apt-cache >/dev/null && apt-cache show debootstrap >/dev/null 2>&1 || apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

work=$(mktemp -d /var/tmp/costctl-fresh.XXXXXX)
root=$work/root
mounted=
cleanup() {
	for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
	if [ "${FRESH_ROOT_KEEP:-}" = 1 ]; then say "kept $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

# The host's Debian mirror, as apt is set up here (deb822 or one-line form).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
say "debootstrap bookworm (minbase) into $root"
if ! debootstrap --variant=minbase --include=git,make,ca-certificates,sudo bookworm "$root" $mirror \
	>"$work/debootstrap.log" 2>&1; then
	tail -n 20 "$work/debootstrap.log" >&2
	say "debootstrap failed (log above)"
	exit 1
fi
lap "base system ready"

# The host's apt sources and settings, DNS, and local CA certificates.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && cp "$f" "$root$f"
done
[ -f /etc/apt/sources.list ] || rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf.d/*; do
	grep -qi -e proxy -e Check-Valid-Until "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if ls /usr/local/share/ca-certificates/* >/dev/null 2>&1; then
	cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
	chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && printf '%s=%s\n' "$v" "$val" >>"$root/etc/environment"
done

mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted="$root/dev $mounted"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" && mounted="$root/sys $mounted"

# A sudo user, as the README allows, and two clones of the commit.
chroot "$root" useradd -m -s /bin/bash dev
echo 'dev ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/dev"
chmod 0440 "$root/etc/sudoers.d/dev"
for dir in home/dev/costctl root/costctl; do
	git clone -q --no-hardlinks "$top" "$root/$dir"
	git -C "$root/$dir" checkout -q "$commit"
done
chroot "$root" chown -R dev:dev /home/dev/costctl

run() { # run USER COMMAND: a login shell, as a new user would have
	user=$1
	shift
	say "as $user: $*"
	s=$(date +%s)
	if ! chroot "$root" su -l "$user" -c "cd costctl && $*" >"$work/out.log" 2>&1; then
		tail -n 40 "$work/out.log" >&2
		say "FAILED as $user: $* (last lines above)"
		exit 1
	fi
	grep -E '^(cli|fuzz-[a-z]+|dynamodb|interop):|[0-9]+%: Checks|^SKIP' "$work/out.log" >&2 || true
	say "as $user: $* passed in $(($(date +%s) - s)) s"
}
run dev make demo
run dev make check
run root make demo
run root make check
lap "all passed"
