# formats-lib.sh - helpers of the flame graph, export, import and merge tests
# (t4xxx), sourced after lib.sh.
#
# Node packages: the browser and schema tests need playwright-core and ajv
# from npm. npm_deps installs them once into $HOTSTACK_TEST_NPM (default
# ~/.cache/hotstack-test-npm, outside the source tree) and exports
# NODE_PATH; without node or npm (or without the registry) the test skips.

DATA=$(cd "$(dirname "$0")/../data" && pwd)
CLI=$(cd "$(dirname "$0")" && pwd)
NPM_PACKAGES="playwright-core@1.65.1 ajv@8.20.0"

npm_deps() {
	command -v node >/dev/null || skip "node is not installed (Debian: apt-get install nodejs)"
	dir=${HOTSTACK_TEST_NPM:-$HOME/.cache/hotstack-test-npm}
	if [ ! -f "$dir/node_modules/playwright-core/package.json" ] ||
	   [ ! -f "$dir/node_modules/ajv/package.json" ]; then
		command -v npm >/dev/null || skip "npm is not installed (Debian: apt-get install npm)"
		mkdir -p "$dir" || skip "cannot create $dir"
		[ -f "$dir/package.json" ] || echo '{ "private": true }' >"$dir/package.json"
		echo "installing $NPM_PACKAGES into $dir"
		# shellcheck disable=SC2086
		(cd "$dir" && npm install --no-audit --no-fund --loglevel=error $NPM_PACKAGES) ||
			skip "npm install $NPM_PACKAGES failed (no registry?)"
	fi
	NODE_PATH=$dir/node_modules
	export NODE_PATH
}

need_chromium() {
	CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	[ -x "$CHROMIUM" ] || skip "no $CHROMIUM (Debian: apt-get install chromium)"
	export CHROMIUM
}

need_protoc() {
	command -v protoc >/dev/null || skip "protoc is not installed (Debian: apt-get install protobuf-compiler)"
}

need_perf() {
	command -v perf >/dev/null || skip "perf is not installed (Debian: apt-get install linux-perf)"
}

# gen_perf_script SPEC: `perf script` text for the stacks in SPEC, one line
# per stack: "COUNT TID COMM FRAME;FRAME;..." with frames root first, each
# "NAME@DSO" ("NAME@inlined" for an inlined frame). Samples are 1 ms apart,
# cpu-clock with a 1000000 ns period; pid is 100 for every thread.
gen_perf_script() {
	awk 'BEGIN { t = 5000.000000 }
	/^[ \t]*(#|$)/ { next }
	{
		count = $1; tid = $2; comm = $3
		stack = $0; sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", stack)
		n = split(stack, f, ";")
		for (s = 0; s < count; s++) {
			t += 0.001
			printf "%s %5d/%-5d [000] %.6f:    1000000 cpu-clock:ppp: \n", comm, 100, tid, t
			for (i = n; i >= 1; i--) {
				at = index(f[i], "@")
				name = substr(f[i], 1, at - 1); dso = substr(f[i], at + 1)
				addr = (dso ~ /kallsyms/) ? "ffffffff81000" sprintf("%03x", i) : sprintf("%x", 4096 + 16 * i)
				printf "\t%16s %s+0x%x (%s)\n", addr, name, 16 + i, dso
			}
			printf "\n"
		}
	}' "$1"
}

# The stacks of the tests: program, libc, kernel and an inlined frame,
# and names that need escaping in XML.
write_stack_spec() {
	cat >"$1" <<'EOF'
# COUNT TID COMM STACK (root first)
600 100 app _start@/usr/bin/app;__libc_start_call_main@/usr/lib/x86_64-linux-gnu/libc.so.6;main@/usr/bin/app;parse_request@/usr/bin/app;hash_key@/usr/bin/app
250 100 app _start@/usr/bin/app;__libc_start_call_main@/usr/lib/x86_64-linux-gnu/libc.so.6;main@/usr/bin/app;parse_request@/usr/bin/app;memchr@/usr/lib/x86_64-linux-gnu/libc.so.6
50 100 app _start@/usr/bin/app;__libc_start_call_main@/usr/lib/x86_64-linux-gnu/libc.so.6;main@/usr/bin/app;write_out@/usr/bin/app;__write@/usr/lib/x86_64-linux-gnu/libc.so.6;entry_SYSCALL_64@[kernel.kallsyms];do_syscall_64@[kernel.kallsyms];ksys_write@[kernel.kallsyms]
60 101 worker start_thread@/usr/lib/x86_64-linux-gnu/libc.so.6;worker_main@/usr/bin/app;compress_block@/usr/bin/app;crc_update@inlined
40 101 worker start_thread@/usr/lib/x86_64-linux-gnu/libc.so.6;worker_main@/usr/bin/app;operator<< <char>(std::ostream&, char const*)@/usr/bin/app
EOF
}
