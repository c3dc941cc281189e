#!/usr/bin/env bash
# The sanitized pass (tests/run.sh asan) catches what it is there for: a program built with
# make asan's sanitizers and run with lib.sh's options writes a LeakSanitizer report for a block
# lost at exit (exit status 0 otherwise) and a UBSan report for a signed overflow, to the files
# check_sanitizers() reads. Without this, a pass whose reports went nowhere would look clean.
. "$(dirname "$0")/lib.sh"
[[ -n $SAN_LOGS ]] || fail "run by tests/run.sh asan (LEAKTOP_SANITIZED=1): no sanitizer options set"
canary=$BIN/san_canary
[[ -x $canary ]] || fail "$canary is not built (make -C tests)"

# One report file per process: report.PID.
"$canary" leak
grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$SAN_LOGS"/report.* 2>/dev/null ||
	fail "a lost block made no LeakSanitizer report in $SAN_LOGS"
grep -q 'Direct leak of 4096 byte(s) in 1 object(s) allocated' "$SAN_LOGS"/report.* ||
	fail "the report does not name the lost 4096 bytes: $(cat "$SAN_LOGS"/report.*)"
rm -f "$SAN_LOGS"/report.*
pass "LeakSanitizer: a block lost at exit is reported"

"$canary" overflow >/dev/null && fail "a signed overflow did not stop the program"
grep -q 'runtime error: signed integer overflow' "$SAN_LOGS"/report.* 2>/dev/null ||
	fail "a signed overflow made no UBSan report in $SAN_LOGS: $(ls "$SAN_LOGS")"
rm -f "$SAN_LOGS"/report.*
pass "UBSan: a signed overflow is reported and stops the program"
