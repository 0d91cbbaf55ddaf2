/* QEMU TCG plugin: executed-instruction count per guest address, with its disassembly.
 *
 * Written for accelmodel's host-CPU measurement (tools/host_cpu/measure.py). Debian's qemu-user ships the
 * plugin loader but neither the example plugins nor qemu-plugin.h, so the few API entry points used here
 * (stable since QEMU 4.2) are declared below. Output (plugin argument out=PATH): one line per executed
 * guest instruction address, "<hex vaddr>\t<count>\t<disassembly>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define SLOTS (1u << 20) /* open addressing; a static binary has far fewer distinct instructions */

struct entry {
    uint64_t vaddr;
    uint64_t count;
    char *disas;
};

static struct entry *table;
static char out_path[4096] = "insncount.tsv";

static struct entry *lookup(uint64_t vaddr)
{
    uint64_t h = (vaddr >> 1) * 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < SLOTS; i++) {
        struct entry *e = &table[(h + i) & (SLOTS - 1)];
        if (e->disas == NULL || e->vaddr == vaddr) {
            return e;
        }
    }
    fprintf(stderr, "insncount: table full\n");
    abort();
}

static void on_exec(unsigned int vcpu, void *userdata)
{
    (void)vcpu;
    ((struct entry *)userdata)->count++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        struct entry *e = lookup(vaddr);
        if (e->disas == NULL) {
            e->vaddr = vaddr;
            e->disas = qemu_plugin_insn_disas(insn);
        }
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec, QEMU_PLUGIN_CB_NO_REGS, e);
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        perror(out_path);
        return;
    }
    for (uint32_t i = 0; i < SLOTS; i++) {
        if (table[i].disas != NULL && table[i].count > 0) {
            fprintf(f, "%llx\t%llu\t%s\n", (unsigned long long)table[i].vaddr,
                    (unsigned long long)table[i].count, table[i].disas);
        }
    }
    fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
        }
    }
    table = calloc(SLOTS, sizeof *table);
    if (table == NULL) {
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
