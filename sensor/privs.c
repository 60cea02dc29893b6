/*
 * privs.c — becoming an unprivileged user with CAP_BPF only (see privs.h),
 * through libcap-ng, which sets uid, gid, groups and capabilities in the
 * right order and keeps the capability across the uid change.
 */
#include "privs.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

int privs_drop(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;
	int rc;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return errno ? -errno : -ENOENT;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_BPF, -1)) {
		snprintf(err, errlen, "--user %s: cannot keep CAP_BPF", user);
		return -EPERM;
	}
	rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
			     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc) {
		snprintf(err, errlen,
			 "--user %s: cannot change to uid %u gid %u (libcap-ng error %d; is "
			 "spotter running as root?)",
			 user, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, rc);
		return -EPERM;
	}
	return 0;
}
