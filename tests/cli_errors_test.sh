#!/usr/bin/env bash
# Each bad invocation of sparserec must exit non-zero with exactly one line on stderr that says
# what is wrong. Usage: cli_errors_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '1\t1\t5\t1\n1\t2\t3\t2\n2\t1\t4\t3\n2\t3\t2\t4\n3\t2\t5\t5\n3\t3\t1\t6\n4\t1\t2\t7\n4\t2\t4\t8\n' > "$tmp/ok.tsv"
printf '1\t1\t5\t1\n1\t2\tbad\t2\n' > "$tmp/bad.tsv"
failures=0
expect_error() {  # expect_error "pattern" args...
  local pattern=$1
  shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$? lines
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || ! grep -Eq -- "$pattern" "$tmp/err"; then
    echo "FAIL: sparserec $* -> exit $rc, $lines stderr line(s):"
    cat "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: sparserec $* -> $(cat "$tmp/err")"
  fi
}
expect_error "unknown model 'nosuch'" train --data "$tmp/ok.tsv" --model nosuch --device cpu
expect_error "unknown option 'hiden'.*hidden" train --data "$tmp/ok.tsv" --model autorec hiden=5 --device cpu
expect_error "cannot open ratings file '$tmp/missing.tsv'" train --data "$tmp/missing.tsv" --model autorec --device cpu
expect_error "bad.tsv:2: field 3 \(rating\) 'bad'" train --data "$tmp/bad.tsv" --model autorec --device cpu
expect_error "unknown device 'gpu7'" train --data "$tmp/ok.tsv" --model autorec --device gpu7
expect_error "not of the form key=value" train --data "$tmp/ok.tsv" --model autorec hidden --device cpu
expect_error "--model is required" train --data "$tmp/ok.tsv"
expect_error "cannot open model file" recommend --model-file "$tmp/none.srm"
[ "$failures" -eq 0 ] && echo "cli errors: all clear" || { echo "$failures failure(s)"; exit 1; }
