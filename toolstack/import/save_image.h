// What a save image (`xl save`, and the head of an `xl migrate` stream)
// says about its domain: xl's header, then the domain's libxl config as
// JSON. The memory image after it is never read.
//
// Layout (tools/xl/xl.h, xl_saverestore.c): 32-byte magic, u32 byte order
// 0x01020304, u32 mandatory flags (bit 0 stream v2, bit 1 JSON), u32
// optional flags, u32 optional data length; the optional data is a u32
// length and the NUL-terminated JSON config.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain_record.h"

namespace cpucompat {

// Reads just the header and config of the file. Throws Error naming the
// file when it is not an xl save image or holds no JSON config.
nlohmann::json read_save_image_config(const std::string &path);
// The same from bytes already read (at least the header and config).
nlohmann::json parse_save_image_config(const std::string &bytes, const std::string &where);

// From a libxl domain config (JSON): its name, kind of guest, and the
// cpucompat record in c_info.xsdata, if any.
std::string config_domain_name(const nlohmann::json &config);
GuestType config_guest_type(const nlohmann::json &config);
std::optional<DomainRecord> config_record(const nlohmann::json &config, const std::string &where);

}  // namespace cpucompat
