#!/usr/bin/env bash
# Builds the footprint probe for thumbv7em-none-eabihf in two profiles and prints its flash and
# static-RAM sections, a per-crate breakdown of .text + .rodata and the largest symbols.
#
#   examples/footprint/measure.sh           # from anywhere; installs what it needs, idempotent
#   TOP=30 examples/footprint/measure.sh    # show more symbols
#   examples/footprint/measure.sh --stack   # also run both builds in QEMU (mps2-an386, Cortex-M4)
#                                           # and report the peak stack (a few minutes more)
#
# Needs rustup + cargo. Installs the target with rustup, binutils-arm-none-eabi with apt-get when
# no arm-none-eabi-size/nm (or llvm-size/llvm-nm) is on PATH, and for --stack qemu-system-arm;
# --stack also needs python3.
set -euo pipefail

STACK=0
case "${1:-}" in
    --stack) STACK=1 ;;
    "") ;;
    *) echo "usage: $0 [--stack]" >&2; exit 2 ;;
esac

TARGET=thumbv7em-none-eabihf
PROFILES=(release release-o3)
TOP=${TOP:-15}
started=$SECONDS

cd "$(dirname "${BASH_SOURCE[0]}")"

say() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    say "== rustup target add $TARGET"
    rustup target add "$TARGET" >&2
fi

find_tools() {
    if command -v arm-none-eabi-size >/dev/null && command -v arm-none-eabi-nm >/dev/null; then
        SIZE=arm-none-eabi-size NM=arm-none-eabi-nm
    elif command -v llvm-size >/dev/null && command -v llvm-nm >/dev/null; then
        SIZE=llvm-size NM=llvm-nm
    else
        return 1
    fi
}
apt_install() {
    say "== apt-get install $*"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}
if ! find_tools; then
    apt_install binutils-arm-none-eabi
    find_tools
fi
if [ "$STACK" = 1 ] && ! command -v qemu-system-arm >/dev/null; then
    apt_install qemu-system-arm
fi

# --- no std, no alloc --------------------------------------------------------------------------
# The link itself proves it (thumbv7em has no std, and the probe defines no global allocator);
# this just makes the feature set visible.
tree=$(cargo tree -q -e features --target "$TARGET")
if grep -qE 'feature "(std|alloc)"' <<<"$tree"; then
    say "!! a dependency enables std or alloc:"
    grep -E 'feature "(std|alloc)"' <<<"$tree" >&2
    exit 1
fi

# --- build -------------------------------------------------------------------------------------
for p in "${PROFILES[@]}"; do
    say "== cargo build --profile $p --target $TARGET"
    cargo build -q --profile "$p" --target "$TARGET"
done

elf() { echo "target/$TARGET/$1/pqpsk-footprint"; }

# Section size from `size -A` (0 when absent).
section() { $SIZE -A "$1" | awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }'; }

# --- sections ----------------------------------------------------------------------------------
echo
echo "pqpsk footprint on $TARGET, default-features = false (no alloc), client + server exchange"
echo "(bytes; flash image = .vector_table + .text + .rodata + .data)"
echo
printf '%-34s %9s %9s %13s %7s %9s %8s %12s\n' \
    profile .text .rodata text+rodata .data .bss .vectors "flash image"
for p in "${PROFILES[@]}"; do
    f=$(elf "$p")
    t=$(section "$f" .text) r=$(section "$f" .rodata) d=$(section "$f" .data)
    b=$(section "$f" .bss) v=$(section "$f" .vector_table)
    case $p in
        release) label='release    (opt-level="s", lto)' ;;
        release-o3) label='release-o3 (opt-level=3, lto)' ;;
        *) label=$p ;;
    esac
    printf '%-34s %9d %9d %13d %7d %9d %8d %12d\n' \
        "$label" "$t" "$r" "$((t + r))" "$d" "$b" "$v" "$((v + t + r + d))"
done

# --- static RAM --------------------------------------------------------------------------------
echo
echo "static RAM (.data + .bss) symbols, $(elf release):"
$NM -S -C --size-sort -r "$(elf release)" | awk 'function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
$3 ~ /^[bBdD]$/ && NF >= 4 {
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name); sub(/.*::/, "", name)
    printf "  %9d  %s\n", hex($2), name }'

# --- per-crate breakdown -----------------------------------------------------------------------
# Crate of a (demangled) symbol: the first path segment of its path, or for `<X as Trait>` the
# crate of X when Trait is a core/interface trait (Drop, digest::Update, ...), else Trait's crate. Approximate: LTO inlines across crates (pqpsk's generate ends
# up inside the probe's main, for one), and generic code is counted where its type lives.
crate_awk='
function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
function crate_of(n,   s, c, t) {
    if (n ~ /^\.Lanon/) return "(anonymous constants)"
    if (n ~ /^(__aeabi_|mem(cpy|move|set|cmp)$|compiler_builtins)/) return "compiler_builtins"
    if (n ~ /^(Reset|main|HardFault_|DefaultHandler_|DefaultPreInit)$/) return "cortex_m_rt"
    s = n
    while (s ~ /^(<|&mut |&|\*const |\*mut |dyn |impl )/) sub(/^(<|&mut |&|\*const |\*mut |dyn |impl )/, "", s)
    c = s; sub(/(::|<| ).*/, "", c)
    if (n ~ / as /) {
        t = n; sub(/.* as /, "", t); sub(/(::|<|>).*/, "", t)
        # <X as Trait>: a primitive or generic X, or a trait from a crate that is not a mere
        # interface (so the impl must live in the trait crate), counts for the trait crate.
        if (c ~ /^(\[|\(|[uif](8|16|32|64|128|size)$|bool$|char$|str$|[A-Z]$)/ || s !~ /::/ ||
            t !~ /^(core|digest|rand_core|crypto_common|zeroize|kem)$/) c = t
    }
    if (c == "pqpsk_footprint") return "pqpsk_footprint (probe main, pqpsk inlined)"
    return c
}
$3 ~ /^[tTrR]$/ && NF >= 4 {
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
    if (name ~ /^__(INTERRUPTS|EXCEPTIONS|RESET_VECTOR)$/) next   # .vector_table
    sz = hex($2); total += sz; by[crate_of(name)] += sz
}
END {
    for (c in by) printf "  %9d  %5.1f%%  %s\n", by[c], 100 * by[c] / total, c | "sort -rn"
    close("sort -rn")
    printf "  %9d  100.0%%  (sum of sized symbols)\n", total
}'

for p in "${PROFILES[@]}"; do
    f=$(elf "$p")
    echo
    echo ".text + .rodata by crate, $p (sized symbols only; the rest is alignment padding):"
    $NM -S -C "$f" | awk "$crate_awk"
    echo
    echo "top $TOP .text/.rodata symbols, $p:"
    $NM -S -C --size-sort -r "$f" | awk -v top="$TOP" 'function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
$3 ~ /^[tTrR]$/ && NF >= 4 {
        name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
        if (name ~ /^__(INTERRUPTS|EXCEPTIONS|RESET_VECTOR)$/) next
        if (++k > top) next
        printf "  %9d  %s %s\n", hex($2), $3, name }'
done

# --- peak stack, in QEMU (--stack) -------------------------------------------------------------
# Not part of flash or static RAM, but on a microcontroller it is the larger RAM cost. Each
# profile is rebuilt with cortex-m-rt's `paint-stack` (fills the free RAM with 0xCCCCCCCC at
# reset; a separate target dir, so the sizes above are untouched) and run on QEMU's mps2-an386
# until OUTCOME is set; the RAM is then dumped and the lowest overwritten word gives the peak.
if [ "$STACK" = 1 ]; then
    QEMU_TIMEOUT=${QEMU_TIMEOUT:-900}
    stackdir="$PWD/target/stack"
    echo
    echo "peak stack on QEMU mps2-an386 (Cortex-M4), emulated run time is not a cycle count:"
    for p in "${PROFILES[@]}"; do
        say "== cargo build --profile $p (paint-stack) + qemu"
        cargo build -q --profile "$p" --target "$TARGET" --target-dir "$stackdir" \
            --features cortex-m-rt/paint-stack
        f="$stackdir/$TARGET/$p/pqpsk-footprint"
        outcome_at=$($NM "$f" | awk '$NF ~ /OUTCOME/ { print $1 }')
        stack_end=$($NM "$f" | awk '$NF == "_stack_end" { print $1 }')
        dump="$stackdir/ram-$p.bin"
        rm -f "$dump"
        coproc QEMU { exec qemu-system-arm -M mps2-an386 -nographic -serial none \
            -monitor stdio -kernel "$f" 2>&1; }
        qin=${QEMU[1]} qout=${QEMU[0]} run_started=$SECONDS outcome=""
        while [ $((SECONDS - run_started)) -lt "$QEMU_TIMEOUT" ]; do
            sleep 2
            echo "xp /1wx 0x$outcome_at" >&"$qin"
            while read -t 0.5 -r line <&"$qout"; do
                # The monitor ends lines with CR and may add terminal escapes: keep the hex.
                case $line in *"$outcome_at: 0x"*) outcome=$(tr -cd '0-9a-fx' <<<"${line##*: }") ;; esac
            done
            case $outcome in "" | 0x00000000) ;; *) break ;; esac
        done
        secs=$((SECONDS - run_started))
        # Quoted: QEMU's monitor reads an unquoted path as an expression.
        echo "pmemsave 0x20000000 0x400000 \"$dump\"" >&"$qin"
        sleep 2
        echo quit >&"$qin"
        wait "$QEMU_PID" 2>/dev/null || true
        case $outcome in
            0x00000001) verdict="PSKs match" ;;
            0x00000002) verdict="PSKs DIFFER" ;;
            0x0000000[345]) verdict="an operation returned an error ($outcome)" ;;
            *) verdict="did not finish in ${QEMU_TIMEOUT} s" ;;
        esac
        peak=$(python3 - "$dump" "$stack_end" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
base, top = 0x20000000, 0x20000000 + len(data)
addr = int(sys.argv[2], 16)
while addr < top and data[addr - base:addr - base + 4] == b"\xcc" * 4:
    addr += 4
print(top - addr)
PY
)
        printf '  %-11s peak stack %8d bytes; %s after ~%d s\n' "$p" "$peak" "$verdict" "$secs"
    done
fi

echo
echo "measure.sh took $((SECONDS - started)) s"
