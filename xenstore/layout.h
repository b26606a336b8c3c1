// Where cpucompat keeps its records in xenstore. Every node is owned by
// dom0 with no access for other domains (permission "n0").
//
//   /tool/cpucompat/host            this host's fingerprint (cpucompat publish)
//   /tool/cpucompat/pool/<vendor>   a pool level for mode `pool` (intel, amd, ...)
//   /tool/cpucompat/domain/<uuid>   the record of what was applied to a domain
//
// /tool is the toolstack's subtree (xenstored keeps /tool/xenstored there);
// uuids rather than domids key domains because domids change on migration.
#pragma once

#include <string>

namespace cpucompat::xs_layout {

inline const std::string kRoot = "/tool/cpucompat";
inline std::string host() { return kRoot + "/host"; }
inline std::string pool(const std::string &vendor_short) { return kRoot + "/pool/" + vendor_short; }
inline std::string domains() { return kRoot + "/domain"; }
inline std::string domain(const std::string &uuid) { return domains() + "/" + uuid; }
// A running domain has /vm/<uuid> (libxl writes it at creation).
inline std::string vm(const std::string &uuid) { return "/vm/" + uuid; }

}  // namespace cpucompat::xs_layout
