// cpucompat's records in xenstore (layout.h): the host's fingerprint, pool
// levels and domain records, each change one write or one transaction, so a
// reader never sees half of it.
#pragma once

#include <optional>
#include <string>

#include "../toolstack/core/policy.h"
#include "xs_client.h"

namespace cpucompat {

void publish_host(XsClient &xs, const Policy &host);
void publish_pool(XsClient &xs, const Policy &level);
// The pool level for this vendor, if one was published. Throws Error when
// the stored value is not a fingerprint.
std::optional<Policy> read_pool(XsClient &xs, const std::string &vendor_id);

// Writes a domain's record (one node: a single write). With `prune`, in one
// transaction with dropping the records of domains that no longer exist on
// this host (no /vm/<uuid>); returns how many were dropped.
unsigned write_domain_record(XsClient &xs, const std::string &uuid, const std::string &record_json, bool prune);
unsigned prune_domain_records(XsClient &xs);

}  // namespace cpucompat
