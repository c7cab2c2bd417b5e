// The boot entries of a generated grub.cfg, as GRUB's menu shows them:
// menuentry blocks, with the submenus they sit in, and which one GRUB boots
// by default (GRUB_DEFAULT: a number, an id, a title, "saved", "A>B").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"

namespace vb {

struct GrubMenuEntry {
    std::string title;                 // 'Debian GNU/Linux'
    std::string id;                    // from --id / $menuentry_id_option, or ""
    std::vector<size_t> position;      // menu indices down to it: {1, 0} is the first entry of the second item
    std::vector<std::string> path;     // titles of the submenus it sits in
    std::vector<std::string> path_ids; // and their ids ("" when none)
    std::string text;                  // the whole block, "menuentry ... {" to "}"
    std::vector<std::string> options;  // the words after the title but its id: --class x, --unrestricted
};

// `s` as one GRUB script word that stays as written: as it is when plain
// (--class, gnu-linux), else single-quoted with a ' in it as '\''.
std::string grub_word(std::string_view s);

// Every menuentry, in menu order; an unbalanced quote or brace is an error.
Result<std::vector<GrubMenuEntry>> grub_menu_entries(std::string_view cfg);

// The entry GRUB_DEFAULT names ("saved" means `saved_entry`, empty: the first).
Result<GrubMenuEntry> grub_default_entry(const std::vector<GrubMenuEntry>& entries, const std::string& grub_default,
                                         const std::string& saved_entry);

} // namespace vb
