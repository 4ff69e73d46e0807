#!/bin/sh
# t3100: a fixed-seed subset of the fault injection of make check-faults
# (tests/faults/faults.sh): 20 runs per scenario, faults within the first
# 600 ms (start-up included, and half the SIGINT/SIGTERM runs followed by a
# SIGKILL while hotstack stops). No target harmed, no recording lost. The
# sanitizer build, three times slower, runs the first 10 of each (the
# suite runs both builds: 30 runs per scenario in all).
FAULTS_SEED=${FAULTS_SEED:-3100}
if [ "${HOTSTACK_SANITIZED:-no}" = yes ]; then
	FAULTS_N=${FAULTS_N:-10}
else
	FAULTS_N=${FAULTS_N:-20}
fi
FAULTS_WINDOW_MS=${FAULTS_WINDOW_MS:-600}
export FAULTS_SEED FAULTS_N FAULTS_WINDOW_MS
command -v bash >/dev/null || { echo "SKIP: needs bash"; exit 77; }
exec bash "$(dirname "$0")/../faults/faults.sh"
