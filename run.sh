#!/bin/sh
# run.sh - set up, build and run hotstack from a fresh Debian 12 checkout.
#
#   ./run.sh demo   install what is missing, build, record the bundled HTTP
#                   server under load and print its hotspot report
#   ./run.sh test   install what is missing, build (plain and with ASan+UBSan)
#                   and run the whole test suite in both builds
#
# Safe to rerun: packages are installed only when missing, autoreconf and
# configure run only when their inputs changed, make rebuilds what changed.
set -eu

cd "$(dirname "$0")"
top=$(pwd)

# Packages: build, libraries, and the tools the tests drive.
PACKAGES="gcc make autoconf automake pkg-config libc6-dev linux-libc-dev \
libdw-dev libelf-dev libunwind-dev libsqlite3-dev libncurses-dev \
libcmocka-dev zlib1g-dev sqlite3 jq procps util-linux libiberty-dev"
TEST_PACKAGES="linux-perf protobuf-compiler chromium libxml2-utils bsdutils strace tmux \
clang lld binutils mold g++"
# prometheus: promtool and a real server for the metrics tests (t12xx)
TEST_PACKAGES="$TEST_PACKAGES prometheus curl"
# time: /usr/bin/time measures peak RSS in make stress (tests/stress)
TEST_PACKAGES="$TEST_PACKAGES time"
# node and npm for the browser and schema tests: Debian's, unless the
# machine already has a node with npm (e.g. from NodeSource)
NODE_PACKAGES="nodejs npm"

say() { printf '==> %s\n' "$*" >&2; }

install_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: packages missing:$missing; run as root or: sudo apt-get install$missing" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# build DIR [configure args...]
build() {
	dir=$1
	shift
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] ||
	   [ samples/local.mk -nt Makefile.in ] || [ tests/local.mk -nt Makefile.in ] ||
	   [ ui/local.mk -nt Makefile.in ]; then
		say "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/Makefile" ]; then
		say "configure $dir $*"
		(cd "$dir" && "$top/configure" -q "$@")
	fi
	say "make -C $dir"
	make -s -C "$dir" -j"$(nproc)" all >/dev/null
	make -s -C "$dir" -j"$(nproc)" check TESTS= >/dev/null
}

demo() {
	install_packages $PACKAGES
	build build
	b=$top/build
	out=${DEMO_DB:-$top/demo.db}
	portfile=$(mktemp)
	say "starting samples/httpd on 127.0.0.1"
	"$b/samples/httpd" -t 4 >"$portfile" &
	httpd=$!
	trap 'kill "$httpd" 2>/dev/null || true; rm -f "$portfile"' EXIT INT TERM
	i=0
	until grep -q '^listening' "$portfile"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "run.sh: httpd did not start" >&2; exit 2; }
		sleep 0.05
	done
	port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$portfile")
	say "recording httpd (pid $httpd) for 4 s under load from samples/loadgen"
	"$b/samples/loadgen" -p "$port" -c 4 -d 5 >/dev/null &
	load=$!
	sleep 0.5
	"$b/hotstack" record -q -p "$httpd" -d 4 -o "$out"
	wait "$load" || true
	kill "$httpd" 2>/dev/null || true
	wait "$httpd" 2>/dev/null || true
	say "hotspots of $out (more: hotstack report --help)"
	"$b/hotstack" report "$out" --limit 15
}

test_suite() {
	install_packages $PACKAGES $TEST_PACKAGES
	command -v npm >/dev/null 2>&1 || install_packages $NODE_PACKAGES
	build build
	build build-asan --enable-sanitizers
	passed=0
	failed=0
	skipped=0
	for dir in build build-asan; do
		say "make check in $dir"
		rm -f "$dir/test-suite.log"
		# each test's result as it finishes (the whole output in check.out)
		make -C "$dir" -j1 check 2>&1 | tee "$dir/check.out" |
			grep --line-buffered -E '^(PASS|FAIL|ERROR|SKIP|XPASS|XFAIL):' |
			sed -u "s|^|  [$dir] |" || true
		# automake's summary: "# PASS:  N" "# FAIL:  N" "# ERROR: N" "# SKIP: N"
		log="$dir/test-suite.log"
		p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
		f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
		e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
		x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
		s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
		if [ -z "$p" ]; then
			echo "run.sh: no test summary in $log" >&2
			tail -30 "$dir/check.out" >&2
			f=1
		fi
		if [ "${f:-0}" -gt 0 ] || [ "${e:-0}" -gt 0 ]; then
			cat "$log" >&2
		fi
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
		skipped=$((skipped + ${s:-0}))
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

case "${1:-}" in
demo) demo ;;
test) test_suite ;;
*)
	echo "usage: ./run.sh demo|test" >&2
	exit 64
	;;
esac
