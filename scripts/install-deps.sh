#!/bin/sh
# Installs every Debian package costctl needs to build and test, and only
# the missing ones, so a second run costs one dpkg query. Called by the
# Makefile (build/config.mk, build/.test-deps) and by .ci/run.
# Usage: install-deps.sh [build|fuzz|test|all]
#        install-deps.sh peers DIR   Amazon's DynamoDB Local into DIR (npm)
set -eu

# An S3 server for the document tests (npm, pinned): the @20minutes fork of
# s3rver, which checks SigV4 signatures, where Node is 20 or later; else
# s3rver 3.7.1 (Debian 12's own Node 18), which accepts any signature.
# Prints the directory of the one installed: DIR/fork or DIR/classic
# (COSTCTL_S3PEER=classic picks 3.7.1 anyway, to test what CI's Node 18 runs).
if [ "${1:-}" = s3peer ]; then
	dir=${2:?usage: install-deps.sh s3peer DIR}
	command -v node >/dev/null && command -v npm >/dev/null ||
		{ echo "install-deps: node and npm are missing (scripts/install-deps.sh test installs them)" >&2; exit 1; }
	major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$major" -ge 20 ] && [ "${COSTCTL_S3PEER:-}" != classic ]; then
		where=$dir/fork pkg=@20minutes/s3rver@4.0.4 main=node_modules/@20minutes/s3rver/lib/cli.js
	else
		where=$dir/classic pkg=s3rver@3.7.1 main=node_modules/s3rver/bin/s3rver.js
	fi
	if [ ! -f "$where/$main" ]; then
		mkdir -p "$where"
		echo "install-deps: fetching $pkg (npm) for the S3 tests" >&2
		if ! npm install --silent --no-audit --no-fund --no-save --prefix "$where" "$pkg" >"$where/npm.log" 2>&1; then
			echo "install-deps: 'npm install $pkg' failed in $where:" >&2
			tail -n 20 "$where/npm.log" >&2
			exit 1
		fi
	fi
	echo "$where"
	exit 0
fi

# DynamoDB Local ships inside this npm package (its jar runs offline on
# Java 17); fetched by name from the npm registry, checked, never committed.
if [ "${1:-}" = peers ]; then
	dir=${2:?usage: install-deps.sh peers DIR}
	pkg=amplify-dynamodb-simulator-2.9.30.tgz
	want=3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9
	[ -f "$dir/package/emulator/DynamoDBLocal.jar" ] && exit 0
	command -v npm >/dev/null || { echo "install-deps: npm is missing (scripts/install-deps.sh test installs it)" >&2; exit 1; }
	mkdir -p "$dir"
	echo "install-deps: fetching DynamoDB Local (npm package amplify-dynamodb-simulator@2.9.30, 57 MB)" >&2
	if ! (cd "$dir" && npm pack --silent amplify-dynamodb-simulator@2.9.30 >npm-pack.log 2>&1); then
		echo "install-deps: 'npm pack amplify-dynamodb-simulator@2.9.30' failed in $dir:" >&2
		tail -n 20 "$dir/npm-pack.log" >&2
		exit 1
	fi
	rm -f "$dir/npm-pack.log"
	got=$(sha256sum "$dir/$pkg" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		echo "install-deps: $pkg has sha256 $got, not $want" >&2
		rm -f "$dir/$pkg"
		exit 1
	fi
	tar xzf "$dir/$pkg" -C "$dir" package/emulator
	rm -f "$dir/$pkg"
	exit 0
fi

build_pkgs="gcc make pkg-config libcurl4-openssl-dev libyajl-dev libxlsxwriter-dev
libhpdf-dev zlib1g-dev libsqlite3-dev libssl-dev check libsubunit-dev libzip-dev libexpat1-dev
fonts-dejavu-core fonttools"
fuzz_pkgs="clang libfuzzer-14-dev"
# servers the tests start on 127.0.0.1: nginx for fetch, python3 for the
# fault-injecting server, Java 17 for DynamoDB Local (fetched with npm at
# test time), iproute2 for its loopback-only namespace; util-linux for
# flock(1) and unshare(1)
# and npm (unless one is on PATH already, e.g. NodeSource's) to fetch it;
# jq for the README's examples
# the AWS CLI for the interop test: another client of the same table
# poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm) and LibreOffice's
# headless Calc read the documents back as a client would; unzip and zip open
# and rebuild the XLSX; curl fetches presigned URLs from the S3 test server;
# python3-yaml reads the AWS templates in cron/aws (tests/cli/cron.sh);
# python3-openpyxl fills the intake template as another producer would
test_pkgs="nginx-light python3 util-linux openjdk-17-jre-headless iproute2 jq awscli
poppler-utils libreoffice-calc-nogui unzip zip curl python3-yaml python3-openpyxl"
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs npm"

case "${1:-build}" in
build) want=$build_pkgs ;;
fuzz) want=$fuzz_pkgs ;;
test) want=$test_pkgs ;;
all) want="$build_pkgs $fuzz_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|fuzz|test|all]" >&2; exit 1 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: not root and no sudo; install by hand:$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when a package is not known to the local lists yet.
for p in $missing; do
	if ! apt-cache show "$p" >/dev/null 2>&1; then $SUDO apt-get update -qq; break; fi
done
# Installing nginx must not start a system nginx on port 80: the tests run
# their own on 127.0.0.1. policy-rc.d 101 tells Debian's scripts not to.
guard=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	guard=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$guard" >/dev/null
	$SUDO chmod +x "$guard"
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
[ -n "$guard" ] && $SUDO rm -f "$guard"
exit "${status:-0}"
