#!/usr/bin/env bash
# The profiles leaktop writes at exit, read by their real consumers: the flame graph by
# xmllint and headless Chromium, the pprof profile by go tool pprof, and the folded files
# (outstanding and growth) against the table and the JSON.
. "$(dirname "$0")/lib.sh"
require_root
for tool in go xmllint chromium; do
	command -v $tool >/dev/null || skip "$tool is not installed (make deps installs it)"
done
ARTIFACTS=$TOP/.output/tests/artifacts
mkdir -p "$ARTIFACTS"

# The leaker, under one session writing all three files.
start_leaker prof 2000
start_leaktop prof-lt -p "$LEAKER_PID" -i 600 --bytes -n 1000 --folded "$WORK/prof.folded" \
	--svg "$WORK/prof.svg" --pprof "$WORK/prof.pb.gz"
trigger_leaker prof "$LEAKER_PID"
stop_leaktop INT
assert_eq "$LT_RC" 0 "leaktop exit status"
table=$WORK/prof-lt.table
total=$(sed -n 's/^leaktop final report .* heap \([0-9]*\) in .*/\1/p' "$table")
[[ $total -gt 0 ]] || fail "no heap total in the final table"
top=$(final_top_frame "$table")
top=${top%%+*}
assert_eq "$top" leak_realloc_chain "the table's top stack"
for f in prof.folded prof.svg prof.pb.gz; do
	[[ -s $WORK/$f ]] || fail "$f was not written"
	assert_contains "$WORK/prof-lt.err" "to $WORK/$f\$" "leaktop says it wrote $f"
done

# Folded: exact, per leaking function and in total.
while read -r fn bytes _; do
	assert_eq "$(folded_bytes "$WORK/prof.folded" "$fn")" "$bytes" "folded $fn"
done < <("$BIN/leaker" --expect)
assert_eq "$(awk '!/^#/ { s += $NF } END { print s }' "$WORK/prof.folded")" "$total" "folded total"
pass "folded: every leak exact, $total bytes in all, as the table"

# pprof, read by go tool pprof: the top function and the inuse_space total are the table's.
export GOCACHE=$WORK/go-cache HOME=$WORK
pprof_top() { # SAMPLE_INDEX
	go tool pprof -top -nodefraction=0 -sample_index="$1" -unit=B -symbolize=none \
		"$WORK/prof.pb.gz" 2>"$WORK/pprof.err" ||
		fail "go tool pprof failed: $(cat "$WORK/pprof.err")"
}
pprof_top inuse_space >"$WORK/pprof.top"
pprof_total() { # FILE UNIT: the "of N total" figure (-unit=B prints counts with a B too)
	sed -n "s/^Showing nodes accounting for .* of \([0-9]*\)${2:-} total\$/\1/p" "$1"
}
got_total=$(pprof_total "$WORK/pprof.top" B)
assert_eq "$got_total" "$total" "pprof inuse_space total"
got_top=$(awk '/^ *flat/ { getline; print $NF; exit }' "$WORK/pprof.top")
assert_eq "$got_top" leak_realloc_chain "pprof top function"
pprof_top inuse_objects >"$WORK/pprof.objects"
count=$(sed -n 's/^leaktop final report .* in \([0-9]*\) blocks over .*/\1/p' "$table")
assert_eq "$(pprof_total "$WORK/pprof.objects" B)" "$count" "pprof inuse_objects total"
pprof_top alloc_space >"$WORK/pprof.alloc"
alloc=$(pprof_total "$WORK/pprof.alloc" B)
((alloc > total)) || fail "alloc_space $alloc is not above inuse_space $total (churn allocates)"
pass "go tool pprof: top leak_realloc_chain, inuse_space $total B, $count objects, alloc_space $alloc B"

# The SVG: well-formed, exact, and rendered by Chromium with the leak widest under main.
xmllint --noout "$WORK/prof.svg" || fail "xmllint rejects the SVG"
svg_v() { # FILE NAME: data-v of the first frame with that name
	grep -o "<g class=\"f\" data-name=\"$2\" data-v=\"[0-9]*\"" "$1" |
		sed 's/.*data-v="\([0-9]*\)"/\1/' | head -1
}
assert_eq "$(svg_v "$WORK/prof.svg" all)" "$total" "SVG root value"
assert_eq "$(svg_v "$WORK/prof.svg" leak_realloc_chain)" 400000 "SVG leak_realloc_chain value"
chrome() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$WORK/chrome.XXXXXX")" "$@" 2>>"$WORK/chrome.err"
}
# The SVG inline in a page whose script measures what Chromium laid out.
{
	echo '<!DOCTYPE html><html><body>'
	sed '1{/^<?xml/d}' "$WORK/prof.svg"
	cat <<'JS'
<pre id="result"></pre>
<script>
(function () {
	const frames = [...document.querySelectorAll('g.f')].map(g => {
		const b = g.querySelector('rect').getBoundingClientRect();
		return { name: g.dataset.name, d: +g.dataset.d, x0: b.left, x1: b.right, w: b.width };
	});
	const leak = frames.find(f => f.name === 'leak_realloc_chain');
	let out = { found: !!leak };
	if (leak) {
		const parent = frames.find(f => f.d === leak.d - 1 &&
			f.x0 <= leak.x0 + 0.01 && f.x1 >= leak.x1 - 0.01);
		const siblings = frames.filter(f => f.d === leak.d && parent &&
			f.x0 >= parent.x0 - 0.01 && f.x1 <= parent.x1 + 0.01);
		const widest = siblings.reduce((a, b) => (b.w > a.w ? b : a), siblings[0]);
		out = { found: true, width: leak.w, parent: parent && parent.name,
			siblings: siblings.length, widest: widest && widest.name };
	}
	document.getElementById('result').textContent = JSON.stringify(out);
})();
</script></body></html>
JS
} >"$WORK/check.html"
chrome --dump-dom "file://$WORK/check.html" >"$WORK/check.dom"
result=$(sed -n 's/.*<pre id="result">\(.*\)<\/pre>.*/\1/p' "$WORK/check.dom" | sed 's/&quot;/"/g')
python3 - "$result" <<'PY' || fail "Chromium's layout: $result"
import json, sys
r = json.loads(sys.argv[1])
assert r["found"], "no leak_realloc_chain frame"
assert r["parent"] == "main", r
assert r["siblings"] >= 9 and r["widest"] == "leak_realloc_chain", r
assert r["width"] > 0, r
PY
chrome --screenshot="$ARTIFACTS/flame.png" --window-size=1300,600 "file://$WORK/prof.svg" >/dev/null
[[ $(stat -c %s "$ARTIFACTS/flame.png" 2>/dev/null || echo 0) -gt 10000 ]] ||
	fail "no screenshot from Chromium: $(tail -n 5 "$WORK/chrome.err")"
pass "SVG: well-formed; Chromium draws leak_realloc_chain widest under main ($result); screenshot in $ARTIFACTS/flame.png"
kill "$LEAKER_PID"

# Growth: what a stack held at the first table is not growth.
run_growth grow steady 2.5 --folded "$WORK/grow.folded" --folded-of growth \
	--svg "$WORK/grow.svg" --svg-of growth
json=$WORK/grow.json
first=$(python3 -c "
import json, sys
sys.path.insert(0, '$TOP/tests/e2e')
import ltjson
rs = ltjson.reports('$json')
print(sum(s['bytes'] for s in rs[0]['stacks'] if ltjson.matches(s, 'heap', 'leak_steady')))")
final=$(ltjson "$json" sum heap leak_steady bytes)
grown=$(folded_bytes "$WORK/grow.folded" leak_steady)
((first > 0)) || fail "leak_steady held nothing at the first table"
assert_eq "$grown" $((final - first)) "folded growth = final - first table"
assert_eq "$(ltjson "$json" sum heap leak_steady growth)" "$grown" "JSON growth"
assert_contains "$WORK/grow.folded" '^# leaktop: heap bytes grown from the first table' "growth comment"
assert_eq "$(svg_v "$WORK/grow.svg" leak_steady)" "$grown" "SVG growth"
xmllint --noout "$WORK/grow.svg" || fail "xmllint rejects the growth SVG"
pass "growth: leak_steady grew $grown bytes after the first table ($first held then, $final at the end)"
