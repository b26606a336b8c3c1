// The data directory's baselines and guest table, compiled when the package
// is built into small JSON files (PREFIX/share/cpucompat/index/, written by
// toolstack/gen/gen_index.cpp), so that the plugin does not parse YAML in
// every `xl create`: under QEMU TCG, yaml-cpp's parse of one baseline and of
// the guest table was most of the plugin's cost (issue 12). One file per
// baseline (NAME.json) and one for the guest table (guests.json), so a
// create reads only the few hundred bytes it needs.
//
// The YAML files stay the authority. An index file is used only while the
// file it was made from has the same bytes as then (length and FNV-1a 64
// digest, recorded in it: a guard against a file edited, replaced or added
// after the build, not against someone who can write the package's files,
// who could change the YAML as well). Otherwise, and when an index file is
// missing or fails any of its checks, the YAML is read as before. Only what
// judgement needs is indexed: a template's vendor, require, hide and limits;
// a guest's level and features. Descriptions, sources and notes stay in the
// YAML, for the commands that show them.
//
//   index/x86-64-v2.json: {"format": "cpucompat-index/1",
//                          "file": {"bytes": 686, "fnv1a64": "fnv1a64:<16 hex>"},
//                          "vendor": "", "require": [...] | null, "hide": [...],
//                          "max_leaf": null, "max_extd_leaf": null, "max_subleaf7": null}
//   index/guests.json:     {"format": "cpucompat-index/1", "file": {...},
//                          "entries": {"rhel-9": {"level": "x86-64-v2", "features": []}, ...}}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "../core/guest.h"
#include "../core/normalize.h"
#include "input_file.h"

namespace cpucompat {

// The digest an index records for a file's bytes: "fnv1a64:<16 hex digits>".
std::string data_file_digest(const std::string &bytes);

// A file as an index file recorded it: its length and data_file_digest().
struct IndexStamp {
    uint64_t bytes = 0;
    std::string digest;
    bool matches(const std::string &text) const { return text.size() == bytes && data_file_digest(text) == digest; }
};
IndexStamp index_stamp(const std::string &bytes);

// One index file each, as written and as read back. The readers check the
// format, every key and type, feature names (known to this build, none
// twice), a template without problems (template_problem()) and guests with
// plain names that need something; else Error "FILE: WHERE: what".
// `name` is the baseline's, from the file's name (NAME.json).
struct IndexedBaseline {
    IndexStamp file;
    CpuTemplate t;  // name, vendor, require, hide, limits
};
std::string index_baseline_json(const CpuTemplate &t, const IndexStamp &file);
IndexedBaseline parse_index_baseline(const InputText &in, const std::string &name);

struct IndexedGuests {
    IndexStamp file;
    GuestTable guests;  // name, level, features
};
std::string index_guests_json(const GuestTable &guests, const IndexStamp &file);
IndexedGuests parse_index_guests(const InputText &in);

// The index of a data directory (its baselines and guest table), every file
// read and checked as the commands read them, so an index exists only for
// files that load: file name in the index directory -> its text. Throws
// Error naming the file that does not load.
std::map<std::string, std::string> build_data_index(const std::string &baselines_dir, const std::string &guest_table_path);

// The index directory beside a baselines directory: DIR/../index.
std::string default_data_index_dir(const std::string &baselines_dir);

// A guest's entry and the baselines it names, as judging it needs them.
struct GuestLookup {
    GuestNeeds needs;        // name, level, features (the texts only from the YAML)
    TemplateLibrary levels;  // the level it names, if any
};

// What the plugin reads in each create: from the index where it is current,
// else from the YAML, with the same results. Each file is read at most once.
class DataFiles {
public:
    DataFiles(std::string baselines_dir, std::string guest_table_path, std::string index_dir);

    // As load_templates_for(mode, vendor_id, dir), errors included.
    TemplateLibrary templates_for(const Mode &mode, const std::string &vendor_id);
    // The entry `name` and the level it names; when the guest is not in the
    // table, the Error of LoadedGuestTable::find(name, context).
    GuestLookup guest(const std::string &name, const std::string &context = "");

    // Why an index file that exists was not used ("" when none was refused):
    // worth a warning, since the package built it. A missing index or an
    // edited YAML file is not a problem: the YAML is read instead.
    const std::string &index_problem() const { return problem_; }
    // How often the YAML was read instead of the index (tests: the index
    // spares it).
    unsigned yaml_reads() const { return yaml_reads_; }

private:
    void refuse(const std::string &why);
    // From the index when its file exists, passes its checks and its YAML
    // is unchanged; nullopt sends the caller to the YAML.
    std::optional<CpuTemplate> indexed_template(const std::string &key);
    std::optional<GuestTable> indexed_guests();

    std::string dir_, guests_path_, index_dir_;
    std::string problem_;
    unsigned yaml_reads_ = 0;
    TemplateLibrary loaded_;  // baselines by key, however they were read
    bool guests_read_ = false;
    std::optional<GuestTable> guests_;  // guests.json's, when usable
};

}  // namespace cpucompat
