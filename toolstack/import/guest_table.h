// Reading the guest table (toolstack/data/guests.yaml, installed as
// PREFIX/share/cpucompat/guests.yaml):
//
//   format: cpucompat-guests/1
//   guests:
//     - name: rhel-9                      # lower-case, versioned (plain_guest_name)
//       description: Red Hat Enterprise Linux 9 and its rebuilds
//       level: x86-64-v2                  # a baseline: its `require`
//       features: [...]                   # and/or Xen feature names
//       source: https://...               # where it was read
//       read: 2026-11-30                  # when
//       note: ...                         # optional
#pragma once

#include <string>

#include "../core/guest.h"
#include "input_file.h"

namespace cpucompat {

// Every key checked: unknown or missing keys, names that are not plain or
// listed twice, levels not in `levels` (or requiring nothing), unknown or
// repeated features, features the level already requires, a source that is
// not an https URL, a date that is not YYYY-MM-DD. Errors name file and line.
GuestTable parse_guest_table(const InputText &in, const TemplateLibrary &levels);

// The installed table: guests.yaml beside the baselines directory
// (default_data_dir()/../guests.yaml).
std::string default_guest_table_path();
// The table beside a baselines directory: DIR/../guests.yaml (for a caller
// that already has default_data_dir()).
std::string guest_table_path_beside(const std::string &baselines_dir);

// A table file read and checked against the installed baselines, as the
// commands that name guests use it.
struct LoadedGuestTable {
    std::string path;
    TemplateLibrary levels;  // the installed baselines
    GuestTable guests;
    // The entry `name`; else Error naming the file: `context` (an option,
    // "--guest: ") then "no guest NAME (cpucompat guests lists them)".
    const GuestNeeds &find(const std::string &name, const std::string &context = "") const;
};
LoadedGuestTable load_guest_table(const std::string &path);
// The same table, with `levels` holding only the baselines its entries
// name: what judging a guest needs, without reading every baseline (the
// plugin's path, once per xl create). Not for normalizing by other modes.
LoadedGuestTable load_guest_table_levels(const std::string &path);

// On a restore or an incoming migration: does the policy a domain keeps
// (its record's) still give the guest its record names what it needs?
// `refusal` is guest_refusal()'s line, "" when it does or when the record
// names no guest; `unknown` when this table does not list the guest (then
// nothing is judged, and the caller says so).
struct RecordedGuestVerdict {
    std::string refusal;
    bool unknown = false;
};
struct DomainRecord;
RecordedGuestVerdict recorded_guest_verdict(const DomainRecord &rec, const LoadedGuestTable &table);

}  // namespace cpucompat
