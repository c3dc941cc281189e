#!/usr/bin/env bash
# Run leaktop's tests and end with an automake-style summary.
#   tests/run.sh [unit|ubsan|fuzz|e2e|asan|all] [NAME-SUBSTRING]
# Each test exits 0 (pass), 1 (fail) or 2 (skipped, with the reason on its last line).
# LEAKTOP_NO_SKIP=1 (CI sets it) turns skips into failures: on CI every test can run.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
what=${1:-all}
filter=${2:-}
logs=$top/.output/tests/logs
mkdir -p "$logs"

pass=0 fail=0 skip=0
failed=()

run_one() {
	local name=$1 rc start secs log reason
	shift
	[[ -n $filter && $name != *"$filter"* ]] && return
	log=$logs/${name//\//_}.log
	start=$(date +%s%N)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$((($(date +%s%N) - start) / 100000000)); secs=$((secs / 10)).$((secs % 10))
	case $rc in
	0)
		pass=$((pass + 1))
		echo "PASS: $name (${secs}s)"
		;;
	2)
		reason=$(tail -n 1 "$log")
		if [[ ${LEAKTOP_NO_SKIP:-0} == 1 ]]; then
			fail=$((fail + 1))
			failed+=("$name")
			echo "FAIL: $name: skipped, and LEAKTOP_NO_SKIP=1 forbids skips: $reason"
		else
			skip=$((skip + 1))
			echo "SKIP: $name: $reason"
			echo "      *** SKIPPED: this test did not run ***"
		fi
		;;
	*)
		fail=$((fail + 1))
		failed+=("$name")
		# The test's own FAIL line first (its reason), then the log's last lines: the files
		# a failing test prints can push the reason out of the tail that CI shows.
		echo "FAIL: $name (exit $rc, ${secs}s): $(grep -m1 '^FAIL: ' "$log" | cut -c1-400)"
		echo "  last lines of $log:"
		tail -n 25 "$log" | sed 's/^/      | /'
		;;
	esac
}

if [[ $what == all || $what == unit ]]; then
	for t in .output/tests/unit/test_*; do
		run_one "unit/$(basename "$t")" "$t"
	done
fi
# make ubsan: the same unit tests, built with -fsanitize=undefined.
if [[ $what == ubsan ]]; then
	for t in .output/ubsan/tests/unit/test_*; do
		run_one "ubsan/$(basename "$t")" "$t"
	done
fi
if [[ $what == all || $what == fuzz ]]; then
	for t in .output/tests/fuzz/fuzz_*; do
		n=$(basename "$t")
		run_one "fuzz/${n#fuzz_}" tests/fuzz/run.sh "${n#fuzz_}" "${LEAKTOP_FUZZ_SECONDS:-15}"
	done
fi
if [[ $what == all || $what == e2e ]]; then
	for t in tests/e2e/test_*.sh; do
		run_one "e2e/$(basename "$t" .sh)" bash "$t"
	done
fi

# make asan (and all): end-to-end tests that cover every module (attach with scopes and launch
# mode, collect with verdicts and exited processes, frames with Python, JavaScript and perf
# maps, output with every writer, Prometheus and --fail-on, the CLI and diff) again against
# leaktop built with ASan and UBSan, leaks checked at exit: any sanitizer report fails the test
# (lib.sh). sanitizers_caught first: it proves that a report is caught.
ASAN_E2E=(sanitizers_caught test_exact_leaks test_container test_launch
	test_warmup test_mmap_regions test_sockets test_sampling test_limits test_stack_churn
	test_exited test_fail_on test_unwind test_python_frames test_node_frames test_node_perfmap
	test_target_exit test_profiles test_prometheus test_output_paths test_output_modes
	test_diff test_bad_input)
if [[ $what == all || $what == asan ]]; then
	for t in "${ASAN_E2E[@]}"; do
		run_one "asan/$t" env LEAKTOP_BIN="$top/.output/asan/leaktop" LEAKTOP_SANITIZED=1 \
			bash "tests/e2e/$t.sh"
	done
fi

total=$((pass + fail + skip))
echo "============================================================================"
echo "Testsuite summary for leaktop"
echo "============================================================================"
echo "# TOTAL: $total"
echo "# PASS:  $pass"
echo "# SKIP:  $skip"
echo "# FAIL:  $fail"
echo "============================================================================"
if ((fail)); then
	echo "failed: ${failed[*]} (logs in $logs)"
	exit 1
fi
if ((total == 0)); then
	echo "no tests ran"
	exit 1
fi
exit 0
