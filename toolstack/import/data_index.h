// The data directory's baselines and guest table, compiled into the plugin
// when it is built (toolstack/gen/gen_index.cpp writes the table, linked
// into the plugin and the unit tests only), so that no `xl create` parses
// YAML or any other text to learn them: under QEMU TCG the parse, not the
// data, was most of the plugin's cost (yaml-cpp first, then a JSON index:
// issue 12).
//
// The YAML files stay the authority. A compiled entry is used only while the
// file it was made from has the same bytes as at the build (its length and
// FNV-1a 64 digest: a guard against a file edited, replaced or added after
// the build, not against someone who can write the package's files, who
// could change the plugin as well). Otherwise the YAML is read, with the
// same result and the same errors. Only what judgement needs is compiled: a
// template's vendor, require, hide and limits; a guest's level and
// features. Descriptions, sources and notes stay in the YAML, for the
// commands that show them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../core/guest.h"
#include "../core/normalize.h"

namespace cpucompat {

// The bytes of a data file as the index was made from them.
struct IndexStamp {
    uint64_t bytes = 0;
    uint64_t fnv1a64 = 0;
    bool matches(const std::string &text) const;
};
IndexStamp index_stamp(const std::string &text);

// The compiled form: plain constants, so reading it runs no parser. Feature
// names are separated by single spaces; a limit of -1 is none.
struct CompiledBaseline {
    const char *name;  // the file's stem: NAME.yaml
    IndexStamp file;
    const char *vendor_id;  // "" for any vendor
    const char *require;    // nullptr: the template has no require list
    const char *hide;
    int64_t max_leaf, max_extd_leaf, max_subleaf7;
};
struct CompiledGuest {
    const char *name;
    const char *level;  // "" for none
    const char *features;
};
struct CompiledIndex {
    const CompiledBaseline *baselines;
    std::size_t baseline_count;
    IndexStamp guests_file;
    const CompiledGuest *guests;
    std::size_t guest_count;
};

// The index of this build's data directory: defined by the generated
// table, so only what links it (the plugin, the unit tests) has one.
extern const CompiledIndex kBuiltDataIndex;

// The C++ source of the table for a data directory (what gen_index writes),
// every file read and checked as the commands read them, so an index exists
// only for files that load. Throws Error naming the file that does not.
std::string data_index_source(const std::string &baselines_dir, const std::string &guest_table_path);

// A guest's entry and the baselines it names, as judging it needs them.
struct GuestLookup {
    GuestNeeds needs;        // name, level, features (the texts only from the YAML)
    TemplateLibrary levels;  // the level it names, if any
};

// What the plugin reads in each create: from the index where it is current,
// else from the YAML, with the same results. Each file is read at most once.
// `index` may be null (no index: the YAML only).
class DataFiles {
public:
    DataFiles(std::string baselines_dir, std::string guest_table_path, const CompiledIndex *index);

    // As load_templates_for(mode, vendor_id, dir), errors included.
    TemplateLibrary templates_for(const Mode &mode, const std::string &vendor_id);
    // The entry `name` and the level it names; when the guest is not in the
    // table, the Error of LoadedGuestTable::find(name, context).
    GuestLookup guest(const std::string &name, const std::string &context = "");

    // Why a compiled entry was not used ("" when none was refused): worth a
    // warning, since the build made it. An edited YAML file is not a
    // problem: the YAML is read instead.
    const std::string &index_problem() const { return problem_; }
    // How often the YAML was read instead of the index (tests: the index
    // spares it).
    unsigned yaml_reads() const { return yaml_reads_; }

private:
    void refuse(const std::string &why);
    // From the index when it has the entry, the entry passes its checks and
    // its YAML is unchanged; nullopt sends the caller to the YAML.
    std::optional<CpuTemplate> indexed_template(const std::string &key);
    std::optional<GuestTable> indexed_guests();

    std::string dir_, guests_path_;
    const CompiledIndex *index_;
    std::string problem_;
    unsigned yaml_reads_ = 0;
    TemplateLibrary loaded_;  // baselines by key, however they were read
    bool guests_read_ = false;
    std::optional<GuestTable> guests_;  // the index's, when usable
};

}  // namespace cpucompat
