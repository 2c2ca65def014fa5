/* SR-IOV discovery: the physical functions (PFs) and virtual functions (VFs)
 * a sysfs tree shows under bus/pci/devices, read relative to a root directory
 * fd so tests can point it at a fake tree. The parsers of what is read are
 * separate and pure (unit-tested without any tree). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "0000:3b:02.0": domain:bus:device.function, 12 characters. */
#define PCI_ADDR_MAX 16

enum vf_driver_kind {
        VF_DRIVER_NONE,   /* no driver bound */
        VF_DRIVER_NETDEV, /* a network driver: ixgbevf, iavf, mlx5_core, ... */
        VF_DRIVER_VFIO,   /* vfio-pci */
        VF_DRIVER_STUB,   /* pci-stub: held away from every driver */
};

struct sysfs_pf {
        char addr[PCI_ADDR_MAX];
        char ifname[IF_NAMESIZE]; /* its netdev, "" when none */
        unsigned total_vfs, num_vfs;
        uint16_t vendor, device;
        int numa_node;            /* -1: unknown (what the kernel writes without NUMA) */
};

struct sysfs_vf {
        char addr[PCI_ADDR_MAX];
        char pf_addr[PCI_ADDR_MAX];
        char pf_ifname[IF_NAMESIZE];
        unsigned index;           /* N of the PF's virtfnN */
        uint16_t vendor, device;
        int numa_node;            /* -1: unknown */
        char driver[64];          /* "" when unbound */
        enum vf_driver_kind driver_kind;
        int iommu_group;          /* -1: none */
        char ifname[IF_NAMESIZE]; /* "" when it has no netdev (vfio, unbound) */
};

struct sysfs_vf_table {
        struct sysfs_pf *pfs;
        size_t n_pfs;
        struct sysfs_vf *vfs;     /* by PF, then by index */
        size_t n_vfs;
};

/* Pure parsers of sysfs file contents (a trailing newline is accepted).
 * Each returns 0 or -EINVAL / -ERANGE and sets *ret only on success. */
int sysfs_parse_hex16(const char *text, uint16_t *ret);      /* "0x8086" */
int sysfs_parse_uint(const char *text, unsigned *ret);       /* "8" */
int sysfs_parse_numa_node(const char *text, int *ret);       /* "1", "-1" */
int sysfs_parse_virtfn(const char *name, unsigned *ret);     /* "virtfn12" -> 12 */
bool sysfs_pci_addr_valid(const char *addr);                 /* "0000:3b:02.0" */
/* The last component of a link target ("../../../bus/pci/drivers/iavf" ->
 * "iavf") into buf. 0, -EINVAL (empty), -ENAMETOOLONG. */
int sysfs_link_name(const char *target, char *buf, size_t size);
enum vf_driver_kind sysfs_driver_kind(const char *driver);
const char *sysfs_driver_kind_name(enum vf_driver_kind k);

/* Reads every PF (a device with sriov_totalvfs) and its VFs (virtfnN links)
 * under |root_fd| (a directory fd of the sysfs root, "/sys"). A VF whose
 * directory is gone or unreadable is skipped (VFs come and go with
 * sriov_numvfs). On success *ret is filled (clear it with
 * sysfs_vf_table_clear()). 0, -ENOMEM, or the -errno of opening
 * bus/pci/devices. Does not log. */
int sysfs_vf_scan(int root_fd, struct sysfs_vf_table *ret);
void sysfs_vf_table_clear(struct sysfs_vf_table *t);

/* The VF at |addr| in |t|, or NULL. */
const struct sysfs_vf *sysfs_vf_find(const struct sysfs_vf_table *t, const char *addr);
/* The PF whose netdev is |ifname|, or NULL. */
const struct sysfs_pf *sysfs_pf_find_ifname(const struct sysfs_vf_table *t, const char *ifname);

/* Sets the PF's VF count (bus/pci/devices/ADDR/sriov_numvfs): the kernel
 * refuses to change a non-zero count, so 0 is written first then. After each
 * write, waits up to |timeout_ms| for the PF to show as many virtfnN links
 * (the kernel makes them before the write returns; a test's fake tree makes
 * them when it sees the write); a negative timeout does not wait. 0, -ERANGE
 * (above sriov_totalvfs), -ETIMEDOUT, or the -errno of a read or write.
 * Does not log. */
int sysfs_vf_set_numvfs(int root_fd, const char *pf_addr, unsigned n, int timeout_ms);

/* Helpers for the writers of device attributes (vf_vfio.c). */
/* bus/pci/devices/ADDR under |root_fd|: a directory fd, -EINVAL for a bad address, -errno. */
int sysfs_open_device(int root_fd, const char *addr);
/* Writes |value| to attribute |name| of |dirfd| in one write. 0 or -errno. */
int sysfs_write_attr(int dirfd, const char *name, const char *value);
/* The last component of link |name| in |dirfd|; -ENOENT when there is none. */
int sysfs_read_link_name(int dirfd, const char *name, char *buf, size_t size);
/* Polls |done| (1: done, 0: not yet, -errno: stop) every SYSFS_WAIT_STEP_MS
 * for up to |timeout_ms|. 0, -ETIMEDOUT, or done's -errno. Blocks: for sysfs
 * state the kernel changes synchronously, so real trees never wait. */
#define SYSFS_WAIT_STEP_MS 5
int sysfs_wait(int timeout_ms, int (*done)(const void *arg), const void *arg);
