# tests/ui/mkperf.awk - tests/ui/*.stacks to `perf script` text (see
# small.stacks), one sample per line with its newlines as \001 and a time
# key first; mkrec.sh sorts the lines by time and restores the newlines.
# Leaf frame first, 1 ms cpu-clock periods, times in seconds from 1000.0.
/^#/ || NF == 0 { next }
{
	tid = $1; comm = $2; from = $3; to = $4; count = $5
	frames = $0
	for (i = 1; i <= 5; i++)
		sub(/^[^ ]+ /, "", frames)
	k = split(frames, f, ";")
	block = ""
	for (i = k; i >= 1; i--) {
		m = split(f[i], part, "@")
		name = part[1]; dso = m >= 2 ? part[2] : "-"; src = m >= 3 ? part[3] : ""
		block = block sprintf("\t %x %s+0x%x (%s)\001", 4096 + 16 * i, name, 4 * i, dso == "-" ? "unknown" : dso)
		if (src != "")
			block = block "  " src "\001"
	}
	for (s = 0; s < count; s++) {
		t = from + (to - from) * s / count
		printf "%.3f\t%s %d/%d [000] %.6f: 1000000 cpu-clock:ppp: \001%s\001\n", t, comm, 100, tid, 1000 + t / 1000, block
	}
}
