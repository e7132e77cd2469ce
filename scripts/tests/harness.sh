# shellcheck shell=bash
# The few lines the shell tests share (sourced): cases, problems, and the closing count.
#   begin_case NAME; ...; problem "what is wrong"; ...; end_case     then finish at the end
passed=0
failed=0
case_name=""
case_ok=1

begin_case() {
    case_name=$1
    case_ok=1
}

problem() {
    case_ok=0
    echo "    $*"
}

end_case() {
    if [ "$case_ok" -eq 1 ]; then
        passed=$((passed + 1))
        echo "ok - $case_name"
    else
        failed=$((failed + 1))
        echo "not ok - $case_name"
    fi
}

# "N passed, N failed", and the exit status: non-zero when a case failed or none ran.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
