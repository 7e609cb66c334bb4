/*
 * Copied from the project's shared tools (shared/tools/qemu-icount, written for pqpsk); used by
 * `bash .ci/cross --measure`. Build: gcc -O2 -shared -fPIC -fvisibility=hidden.
 *
 * icount.c - minimal QEMU (7.2, plugin API v1) TCG plugin: counts executed
 * guest instructions (inline per-TB add, like contrib's libinsn.so) and, on a
 * magic syscall issued by the guest, prints the running count so that the
 * guest can bracket regions of interest.
 *
 * Guest side: syscall(MARK_NR, tag, phase, iters)  (returns -ENOSYS)
 *   phase 0 = start, 1 = stop -> plugin prints
 *   "ICOUNT tag=<tag> iters=<iters> insns=<delta>"
 * At exit prints "ICOUNT total insns=<n>".
 *
 * Declarations below are copied by hand from QEMU 7.2's include/qemu/qemu-plugin.h
 * (only the handful that are used) so that no QEMU source tree is needed.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;      /* opaque here */
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);
typedef void (*qemu_plugin_vcpu_syscall_cb_t)(qemu_plugin_id_t, unsigned int,
    int64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
    uint64_t, uint64_t);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *, uint64_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t, qemu_plugin_vcpu_syscall_cb_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
void qemu_plugin_outs(const char *);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

#define MARK_NR 4242
static uint64_t insn_count;   /* single guest thread does work at a time */
static uint64_t start_count;

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                             &insn_count, qemu_plugin_tb_n_insns(tb));
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num,
                       uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                       uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    (void)id; (void)vcpu; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num != MARK_NR) return;
    if (a2 == 0) {
        start_count = insn_count;
    } else {
        char buf[160];
        snprintf(buf, sizeof buf, "ICOUNT tag=%" PRIu64 " iters=%" PRIu64 " insns=%" PRIu64 "\n",
                 a1, a3, insn_count - start_count);
        qemu_plugin_outs(buf);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id; (void)p;
    char buf[80];
    snprintf(buf, sizeof buf, "ICOUNT total insns=%" PRIu64 "\n", insn_count);
    qemu_plugin_outs(buf);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info; (void)argc; (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
