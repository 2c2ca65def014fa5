/* vfio mode: a VF handed to vfio-pci through the PCI driver core's sysfs files
 * (driver_override, the driver's unbind and bind) and back to the driver it
 * had, and the device numbers of the nodes a container needs for it. All
 * relative to a sysfs root fd; the kernel's driver core is synchronous, a
 * test's fake tree plays it and is waited for (bounded). Does not log. */
#pragma once

#include <sys/types.h>

#define VF_VFIO_DRIVER "vfio-pci"
/* /dev/vfio/vfio: the VFIO container, misc device minor VFIO_MINOR
 * (include/linux/miscdevice.h), node "vfio/vfio", mode 0666. */
#define VF_VFIO_CONTAINER_MAJOR 10
#define VF_VFIO_CONTAINER_MINOR 196
/* How long a bind or unbind may take to show in sysfs. */
#define VF_VFIO_WAIT_MS 2000

/* Which write of a bind or restore failed (one errno cannot say). */
enum vf_vfio_step {
        VF_VFIO_DONE,
        VF_VFIO_READ,       /* the device or its driver link */
        VF_VFIO_OVERRIDE,   /* driver_override */
        VF_VFIO_UNBIND,     /* DRIVER/unbind, or the link did not go */
        VF_VFIO_BIND,       /* drivers/NAME/bind, or the link did not come */
};
const char *vf_vfio_step_name(enum vf_vfio_step s);

/* Binds the VF at |addr| to vfio-pci: driver_override = vfio-pci (so no other
 * driver takes it meanwhile), unbind from its driver if it has one, write the
 * address to drivers/vfio-pci/bind, and wait until its driver link names
 * vfio-pci. Its driver before is in |ret_orig| ("" for none; a VF already on
 * vfio-pci is left as it is, *ret_orig "vfio-pci"). On failure the override
 * is cleared and the original driver bound again if it was unbound.
 * 0 or -errno (-ETIMEDOUT: the link did not change), *ret_step. */
int vf_vfio_bind(int root_fd, const char *addr, char ret_orig[64], enum vf_vfio_step *ret_step);

/* Gives the VF back to |orig| ("" for none): driver_override cleared, unbound
 * from vfio-pci, bound to |orig| and waited for. 0 or -errno, *ret_step. */
int vf_vfio_restore(int root_fd, const char *addr, const char *orig, enum vf_vfio_step *ret_step);

/* The device number of IOMMU group |group|'s node (/dev/vfio/GROUP) from
 * class/vfio/GROUP/dev ("MAJOR:MINOR"). 0, -ENOENT (no such group: VFIO not
 * loaded, or the VF not bound), -EINVAL (unreadable). */
int vf_vfio_group_devnum(int root_fd, int group, dev_t *ret);

/* Pure: "243:0\n" into a device number. 0 or -EINVAL. */
int vf_vfio_parse_devnum(const char *text, dev_t *ret);
