// SPDX-License-Identifier: GPL-2.0
/*
 * tlbi-plugin.so: a QEMU TCG plugin (QEMU 7.2, plugin API version 1) that
 * counts the TLB invalidation (TLBI) and data-cache maintenance by VA (DC)
 * instructions an arm64 guest executes between two markers, so that the
 * benchmark can tell how many invalidations one linear-map teardown issues
 * without any debug code in the kernel.
 *
 * Markers are unallocated HINT instructions, which the architecture
 * executes as NOPs:
 *   hint #(0x60 + k)   open window k (0..15), counters zeroed
 *   hint #0x7f         close the window and print one line
 * Only the instructions of the vCPU that opened the window count: the
 * kernel work of a sysfs write runs on the writer's CPU (broadcast TLBIs
 * are issued there too), and what the other vCPUs do meanwhile (a page
 * fault's DC CVAU, a process's TLBI) is not part of it.
 * The guest's user space (tests/progs/memhp_bench.c) wraps a sysfs write in
 * them; the kernel work that write causes lies in between. Each closed
 * window prints, through qemu_plugin_outs() (QEMU -d plugin -D FILE):
 *   TLBIWIN <k> tlbi=<n> dc=<n> [<op>=<n> ...]
 * where op names the TLBI operations seen (vmalle1is, vaae1is, rvaae1is, ...)
 * and dc counts DC CIVAC/CVAC/CVAP/CVAU/IVAC instructions, followed by
 * " @<pc>:<op>=<n>" for each TLBI instruction executed, by its guest virtual
 * address (at most MAX_SITES of them), so that a test can tell, with the
 * guest's /proc/kallsyms, which kernel function issued each invalidation: an
 * interrupt or another task that ran on the same vCPU inside the window is
 * then told apart from the code under test.
 *
 * Built on the host against our own declarations of the few API functions
 * it uses (Debian ships no qemu-plugin.h); QEMU checks qemu_plugin_version.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of QEMU 7.2's include/qemu/qemu-plugin.h used here ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
/* ------------------------------------------------------------------------ */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;


static atomic_int window = -1;		/* open window, or -1 */
static atomic_uint_fast64_t tlbi[8][16][8];	/* [op1][CRm][op2] */
static atomic_int window_vcpu = -1;	/* the vCPU that opened it */
static atomic_uint_fast64_t dc_count;
static atomic_uint_fast64_t windows_closed;

/* A TLBI instruction, as translated: its encoding and where it is. */
struct tlbi_insn {
	unsigned int enc;		/* op1 << 7 | CRm << 3 | op2 */
	uint64_t pc;
};

/* Per window, the TLBI instructions executed, by address. */
#define MAX_SITES 32
static struct {
	const struct tlbi_insn *insn;
	atomic_uint_fast64_t n;
} sites[MAX_SITES];
static atomic_int nr_sites;

static const char *tlbi_name(int op1, int crm, int op2, char *buf, size_t len)
{
	static const char *const base[8] = {
		[0] = "vmalle1", [1] = "vae1", [2] = "aside1", [3] = "vaae1",
		[5] = "vale1", [7] = "vaale1",
	};
	static const char *const range[8] = {
		[1] = "rvae1", [3] = "rvaae1", [5] = "rvale1", [7] = "rvaale1",
	};
	const char *name = NULL, *suffix = "";

	if (op1 == 0) {
		switch (crm) {
		case 3: name = base[op2]; suffix = "is"; break;
		case 7: name = base[op2]; break;
		case 1: name = base[op2]; suffix = "os"; break;
		case 2: name = range[op2]; suffix = "is"; break;
		case 6: name = range[op2]; break;
		case 5: name = range[op2]; suffix = "os"; break;
		}
	}
	if (name)
		snprintf(buf, len, "%s%s", name, suffix);
	else
		snprintf(buf, len, "tlbi_op1_%d_crm_%d_op2_%d", op1, crm, op2);
	return buf;
}

static void on_tlbi(unsigned int vcpu, void *udata)
{
	const struct tlbi_insn *ti = udata;
	unsigned int enc = ti->enc;
	int i, n;

	if (atomic_load(&window) < 0 || atomic_load(&window_vcpu) != (int)vcpu)
		return;
	atomic_fetch_add(&tlbi[(enc >> 7) & 7][(enc >> 3) & 15][enc & 7], 1);
	/* Only the opener's vCPU gets here: no other writer of sites[]. */
	n = atomic_load(&nr_sites);
	for (i = 0; i < n; i++)
		if (sites[i].insn->pc == ti->pc && sites[i].insn->enc == enc)
			break;
	if (i == n) {
		if (n == MAX_SITES)
			return;
		sites[n].insn = ti;
		atomic_store(&sites[n].n, 0);
		atomic_store(&nr_sites, n + 1);
	}
	atomic_fetch_add(&sites[i].n, 1);
}

static void on_dc(unsigned int vcpu, void *udata)
{
	(void)udata;
	if (atomic_load(&window) >= 0 && atomic_load(&window_vcpu) == (int)vcpu)
		atomic_fetch_add(&dc_count, 1);
}

static void on_open(unsigned int vcpu, void *udata)
{
	memset((void *)tlbi, 0, sizeof(tlbi));
	atomic_store(&dc_count, 0);
	atomic_store(&nr_sites, 0);
	atomic_store(&window_vcpu, (int)vcpu);
	atomic_store(&window, (int)(uintptr_t)udata);
}

static void on_close(unsigned int vcpu, void *udata)
{
	char line[1024], name[48];
	int w = atomic_exchange(&window, -1);
	uint64_t total = 0;
	size_t len;

	(void)udata;
	if (w < 0)
		return;
	if (atomic_load(&window_vcpu) != (int)vcpu) {
		atomic_store(&window, w);	/* not the opener's close */
		return;
	}
	for (int a = 0; a < 8; a++)
		for (int b = 0; b < 16; b++)
			for (int c = 0; c < 8; c++)
				total += atomic_load(&tlbi[a][b][c]);
	len = snprintf(line, sizeof(line), "TLBIWIN %d tlbi=%" PRIu64 " dc=%" PRIu64,
		       w, total, (uint64_t)atomic_load(&dc_count));
	for (int a = 0; a < 8; a++)
		for (int b = 0; b < 16; b++)
			for (int c = 0; c < 8; c++) {
				uint64_t n = atomic_load(&tlbi[a][b][c]);

				if (n && len < sizeof(line) - 64)
					len += snprintf(line + len, sizeof(line) - len,
							" %s=%" PRIu64,
							tlbi_name(a, b, c, name, sizeof(name)), n);
			}
	for (int i = 0; i < atomic_load(&nr_sites); i++) {
		const struct tlbi_insn *ti = sites[i].insn;

		if (len < sizeof(line) - 96)
			len += snprintf(line + len, sizeof(line) - len,
					" @%" PRIx64 ":%s=%" PRIu64, ti->pc,
					tlbi_name((ti->enc >> 7) & 7, (ti->enc >> 3) & 15,
						  ti->enc & 7, name, sizeof(name)),
					(uint64_t)atomic_load(&sites[i].n));
	}
	snprintf(line + len, sizeof(line) - len, "\n");
	qemu_plugin_outs(line);
	atomic_fetch_add(&windows_closed, 1);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint32_t op;

		if (qemu_plugin_insn_size(insn) != 4)
			continue;
		memcpy(&op, qemu_plugin_insn_data(insn), 4);

		if ((op & 0xfffff01f) == 0xd503201f) {	/* HINT #imm */
			unsigned int imm = (op >> 5) & 0x7f;

			if (imm >= 0x60 && imm < 0x70)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_open,
					QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)(imm - 0x60));
			else if (imm == 0x7f)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_close,
					QEMU_PLUGIN_CB_NO_REGS, NULL);
			continue;
		}
		if ((op & 0xfff80000) != 0xd5080000)	/* SYS (op0 = 1, L = 0) */
			continue;
		unsigned int op1 = (op >> 16) & 7, crn = (op >> 12) & 15;
		unsigned int crm = (op >> 8) & 15, op2 = (op >> 5) & 7;

		if (crn == 8) {				/* TLBI */
			struct tlbi_insn *ti = malloc(sizeof(*ti));

			if (!ti)
				continue;
			/* Never freed: the callback may run as long as the TB lives. */
			ti->enc = (op1 << 7) | (crm << 3) | op2;
			ti->pc = qemu_plugin_insn_vaddr(insn);
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_tlbi,
				QEMU_PLUGIN_CB_NO_REGS, ti);
		} else if (crn == 7 && op1 == 3 && op2 == 1 &&
			   (crm == 14 || crm == 10 || crm == 12 || crm == 6 || crm == 11)) {
			/* DC CIVAC, CVAC, CVAP, CVAU; DC IVAC is op1 = 0, below */
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_dc,
				QEMU_PLUGIN_CB_NO_REGS, NULL);
		} else if (crn == 7 && op1 == 0 && crm == 6 && op2 == 1) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_dc,
				QEMU_PLUGIN_CB_NO_REGS, NULL);
		}
	}
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
	char line[64];

	(void)id;
	(void)udata;
	snprintf(line, sizeof(line), "TLBIEXIT windows=%" PRIu64 "\n",
		 (uint64_t)atomic_load(&windows_closed));
	qemu_plugin_outs(line);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	(void)info;
	(void)argc;
	(void)argv;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
	qemu_plugin_outs("TLBIPLUGIN loaded\n");
	return 0;
}
