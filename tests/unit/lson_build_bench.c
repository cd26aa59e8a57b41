/* How long a room's live tree takes to become the document the screen
 * shows, two ways, on one tree:
 *   doc        live_tree_to_doc (no JSON text)
 *   roundtrip  live_tree_to_json, cJSON_PrintUnformatted, lson_parse
 * The tree: a LiveList of ROWS LiveObjects of four scalar fields (a
 * string, an integer, a fraction, a boolean), 5 * ROWS + 2 nodes in the
 * document. Prints the median and the range of REPS runs of each (each
 * way in a process of its own, after one untimed run), the memory the
 * document keeps per node, and what the first run of each way adds to the
 * peak memory.
 *
 *   build/tests/unit/lson_build_bench [ROWS [REPS]]   (default 20000 10)
 *
 * Exit status 1 when the two documents differ. */
#include "lbconfig.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "live_tree.h"
#include "lson.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct live_tree *rows_tree(int rows)
{
	cJSON *nodes = cJSON_CreateArray(), *root = cJSON_CreateArray(),
	      *list = cJSON_CreateArray();
	struct live_tree *t = live_tree_new();
	struct lb_error err;
	char *pos = NULL;

	cJSON_AddItemToArray(root, cJSON_CreateString("root"));
	cJSON_AddItemToArray(root, cJSON_CreateObject());
	cJSON_AddItemToArray(nodes, root);
	cJSON_AddItemToArray(list, cJSON_CreateString("0:1"));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(1));
	cJSON_AddItemToArray(list, cJSON_CreateString("root"));
	cJSON_AddItemToArray(list, cJSON_CreateString("rows"));
	cJSON_AddItemToArray(nodes, list);
	for (int i = 0; i < rows; i++) {
		cJSON *nd = cJSON_CreateArray(), *data = cJSON_CreateObject();
		char id[32], name[32], *next = live_position(pos, NULL);

		free(pos);
		pos = next;
		snprintf(id, sizeof(id), "1:%d", i);
		snprintf(name, sizeof(name), "row %d", i);
		cJSON_AddStringToObject(data, "name", name);
		cJSON_AddNumberToObject(data, "n", i);
		cJSON_AddNumberToObject(data, "x", i * 0.37 + 0.01);
		cJSON_AddBoolToObject(data, "done", i % 3 == 0);
		cJSON_AddItemToArray(nd, cJSON_CreateString(id));
		cJSON_AddItemToArray(nd, cJSON_CreateNumber(0));
		cJSON_AddItemToArray(nd, cJSON_CreateString("0:1"));
		cJSON_AddItemToArray(nd, cJSON_CreateString(pos));
		cJSON_AddItemToArray(nd, data);
		cJSON_AddItemToArray(nodes, nd);
	}
	free(pos);
	if (!live_tree_add_nodes(t, nodes, &err) || !live_tree_link(t, &err)) {
		fprintf(stderr, "lson_build_bench: %s\n", err.message);
		exit(2);
	}
	cJSON_Delete(nodes);
	return t;
}

static struct lson_doc *roundtrip(const struct live_tree *t, struct lb_error *err)
{
	cJSON *j = live_tree_to_json(t, false);
	char *text = cJSON_PrintUnformatted(j);
	struct lson_doc *d;

	cJSON_Delete(j);
	d = lson_parse(text, strlen(text), true, err);
	cJSON_free(text);
	return d;
}

static struct lson_doc *make(const struct live_tree *t, bool doc, struct lb_error *err)
{
	return doc ? live_tree_to_doc(t, false, err) : roundtrip(t, err);
}

static double median(const double *v, int n)
{
	return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A line of /proc/self/status in KiB ("VmRSS:"), -1 when not there. */
static long status_kib(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)))
			kib = atol(line + strlen(name));
	if (f)
		fclose(f);
	return kib;
}

/* Was the high-water mark of the resident set reset to now (Linux)? */
static bool reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	bool ok = f && fputs("5", f) >= 0;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

struct result {
	double median, min, max;
	long peak_kib; /* what the first run added to the resident set at its peak */
	bool ok;
};

/* One way timed in a child of its own, so that neither way pays for the
 * other's garbage in the allocator: one run for the peak memory, then
 * reps timed runs. */
static struct result run_way(const struct live_tree *t, bool doc, int reps)
{
	struct result r = {0};
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0 || (pid = fork()) < 0)
		return r;
	if (pid == 0) {
		double *times = calloc((size_t)reps, sizeof(double));
		struct lb_error err;
		struct lson_doc *d;

		bool reset;
		long rss;

		/* the peak from here: free memory back to the system, the
		 * high-water mark reset to the present */
		malloc_trim(0);
		reset = reset_peak();
		rss = status_kib("VmRSS:");
		d = make(t, doc, &err);
		r.peak_kib = reset && rss >= 0 ? status_kib("VmHWM:") - rss : -1;
		r.ok = d && times;
		lson_unref(&d);
		for (int i = 0; r.ok && i < reps; i++) {
			double t0 = now_ms();

			d = make(t, doc, &err);
			times[i] = now_ms() - t0;
			lson_unref(&d);
		}
		if (r.ok) {
			qsort(times, (size_t)reps, sizeof(double), cmp_double);
			r.median = median(times, reps);
			r.min = times[0];
			r.max = times[reps - 1];
		}
		free(times);
		_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != sizeof(r))
		r.ok = false;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return r;
}

/* Are both ways' documents the same? Their node count in *n. */
static bool same_both_ways(const struct live_tree *t, size_t *n)
{
	struct lb_error err;
	struct lson_doc *a = live_tree_to_doc(t, false, &err), *b = roundtrip(t, &err);
	char *ja = a ? lson_subtree_json(a, 0, true, false) : NULL;
	char *jb = b ? lson_subtree_json(b, 0, true, false) : NULL;
	bool same = a && b && a->n == b->n && ja && jb && !strcmp(ja, jb);

	*n = a ? a->n : 0;
	free(ja);
	free(jb);
	lson_unref(&a);
	lson_unref(&b);
	return same;
}

/* What a document keeps allocated, in bytes a node. */
static double kept_per_node(const struct live_tree *t)
{
	struct mallinfo2 m0 = mallinfo2(), m1;
	struct lb_error err;
	struct lson_doc *d = live_tree_to_doc(t, false, &err);
	double per = 0;

	m1 = mallinfo2();
	if (d)
		per = (double)(m1.uordblks - m0.uordblks + m1.hblkhd - m0.hblkhd) / (double)d->n;
	lson_unref(&d);
	return per;
}

int main(int argc, char **argv)
{
	int rows = argc > 1 ? atoi(argv[1]) : 20000, reps = argc > 2 ? atoi(argv[2]) : 10;
	struct live_tree *t;
	struct result res[2];
	size_t n;
	bool same;

	if (rows < 1 || reps < 1) {
		fprintf(stderr, "usage: lson_build_bench [ROWS [REPS]]\n");
		return 2;
	}
	t = rows_tree(rows);
	/* timed first, in children of a process that has made no document yet */
	res[0] = run_way(t, true, reps);
	res[1] = run_way(t, false, reps);
	same = same_both_ways(t, &n);
	printf("document: %zu nodes (a live tree of %zu), %s\n", n, live_tree_size(t),
	       same ? "the same both ways" : "DIFFERENT both ways");
	printf("kept by the document: %.1f bytes a node\n", kept_per_node(t));
	for (int k = 0; k < 2; k++) {
		if (!res[k].ok) {
			fprintf(stderr, "lson_build_bench: the %s runs failed\n",
			        k ? "roundtrip" : "doc");
			return 2;
		}
		printf("%-10s median %7.2f ms  (min %.2f, max %.2f, %d runs)  peak +%ld KiB "
		       "(%.0f bytes a node)\n",
		       k ? "roundtrip" : "doc", res[k].median, res[k].min, res[k].max, reps,
		       res[k].peak_kib, (double)res[k].peak_kib * 1024.0 / (double)(n ? n : 1));
	}
	printf("speedup   %.1fx\n", res[1].median / res[0].median);
	live_tree_free(&t);
	return same ? 0 : 1;
}
