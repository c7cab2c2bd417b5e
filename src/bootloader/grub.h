// GRUB 2: the command line comes from GRUB_CMDLINE_LINUX and
// GRUB_CMDLINE_LINUX_DEFAULT, which grub-mkconfig sources with sh from
// /etc/default/grub and, where Debian's patch is applied (Debian, Ubuntu and
// their derivatives), from /etc/default/grub.d/*.cfg after it.
#pragma once

#include <map>
#include <string>

#include "basic/fs.h"

namespace vb {

// Whether this GRUB sources /etc/default/grub.d/*.cfg. Its grub-mkconfig
// says so itself; without one (a tree being set up), a Debian system or
// drop-ins in that directory do: a drop-in there is written to be read.
Result<bool> grub_reads_drop_ins(const Fs& fs);

// GRUB_ENABLE_BLSCFG=true (Fedora, RHEL): GRUB boots the BLS entries, whose
// options lines carry the command line; GRUB_CMDLINE_LINUX seeds new ones.
// A GRUB config that cannot be read (EIO) counts as one that does: the BLS
// entries are then edited too, and GRUB's own plan, reading it again,
// reports the error; "no" would edit GRUB_CMDLINE_LINUX alone.
bool grub_reads_bls_entries(const Fs& fs);
// The same, with a GRUB config that cannot be read as the error it is (the
// trial, which GRUB with BLS cannot have, names it).
Result<bool> grub_bls_enabled(const Fs& fs);
// GRUB's settings as grub-mkconfig will read them (/etc/default/grub and,
// where read, its grub.d drop-ins): GRUB_DEFAULT, GRUB_CMDLINE_LINUX...
Result<std::map<std::string, std::string>> grub_settings(const Fs& fs);

} // namespace vb
