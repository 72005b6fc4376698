/*
 * coreconf - the daemon's own settings, declared in milter/settings.c. Kept
 * here because checks may read a few of them (AuthservID, the host name).
 */
#ifndef CM_CORECONF_H
#define CM_CORECONF_H

#include <stdbool.h>
#include <stddef.h>

#include "ip.h"
#include "setting.h"

enum cm_spam_destiny {
	CM_DESTINY_PASS,
	CM_DESTINY_REJECT,
	CM_DESTINY_DISCARD,
	CM_DESTINY_QUARANTINE
};
enum cm_oversize { CM_OVERSIZE_ACCEPT, CM_OVERSIZE_TEMPFAIL, CM_OVERSIZE_REJECT };
enum cm_status_style { CM_STATUS_SPAMASSASSIN, CM_STATUS_AMAVIS };

struct cm_core_conf {
	const char *socket;
	const char *user;
	const char *pidfile;
	bool syslog;
	int syslog_facility;
	const char *debug;
	struct ip_netlist internal_hosts;
	const char *authserv_id;
	const char *hostname;
	size_t max_message_size;
	int on_oversize;
	size_t spool_memory;
	const char *tmpdir;
	long shutdown_timeout;
	long milter_timeout;
	double tag_level, tag2_level, kill_level;
	int spam_destiny;
	const char *subject_tag;
	int status_style;
	const char *scores_file;
	const char *nameservers;
	long dns_timeout;
	struct set_list scores;
};

extern const struct setting cm_core_settings[];

#endif
