#include "basic/command.h"

namespace vb {

namespace {

bool plain_word(const std::string& a) {
    return !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_./=:+,@%") == std::string::npos;
}

// 'it'\''s': a quote ends the quoted part, an escaped quote, and it goes on.
std::string single_quoted(const std::string& a) {
    std::string out = "'";
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

std::string command_line(const Command& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + (plain_word(a) ? a : single_quoted(a));
    return out;
}

} // namespace vb
