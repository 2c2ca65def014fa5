/* A fake sysfs tree for SR-IOV tests, laid out as the kernel does:
 * devices/pci0000:BB/ADDR/ (the functions), bus/pci/devices/ADDR -> the
 * device directory, driver -> ../../../bus/pci/drivers/NAME, iommu_group ->
 * ../../../kernel/iommu_groups/N, virtfnN <-> physfn between siblings, net/IF/,
 * class/net/IF -> the function's net/IF, devices/system/node/nodeN/cpulist. */
#pragma once

#include <stdbool.h>

struct fake_pf {
        const char *addr;         /* "0000:3b:00.0"; VFs are 0000:3b:02.0, 0000:3b:02.1, ... */
        const char *ifname;       /* the PF's netdev */
        int numa;
        unsigned total_vfs;
        unsigned n_vfs;           /* VFs created (sriov_numvfs) */
        const char *vf_driver;    /* "iavf", "vfio-pci", NULL: unbound */
        const char *const *vf_ifnames; /* n_vfs names, or NULL: none */
        int first_iommu_group;    /* VF i is in group first + i */
};

/* Creates |root| (mkdir -p) with the PF, its VFs and their links. 0 or -errno. */
int fake_sysfs_add_pf(const char *root, const struct fake_pf *pf);

/* devices/system/node/node|node|/cpulist = |cpulist|. 0 or -errno. */
int fake_sysfs_add_node(const char *root, int node, const char *cpulist);

/* The address of VF |i| of |pf_addr| into buf (16 bytes). */
void fake_sysfs_vf_addr(const char *pf_addr, unsigned i, char buf[static 16]);

/* rm -rf |root|. */
void fake_sysfs_remove(const char *root);
