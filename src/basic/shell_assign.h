// Just enough of the shell grammar to read and edit files that are sourced
// by sh or bash, like /etc/default/grub and mkinitcpio.conf: find variable
// assignments (bash's arrays and += too), their raw value words and lines,
// and expand the simple values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"

namespace vb {

struct ShellAssignment {
    std::string name;
    int line = 0;           // 1-based line of NAME=
    size_t value_begin = 0; // raw value word: [value_begin, value_end) in the text
    size_t value_end = 0;
    std::string raw;          // that word, quotes included; an array's "( ... )" whole
    bool conditional = false; // inside if/case/a loop/braces/a function: may not run
    bool append = false;      // NAME+=value (bash)
    bool array = false;       // NAME=( ... ) (bash)
};

// Every assignment in the file, in order. Fails on unbalanced quotes or
// substitutions, naming path:line where the unfinished one starts.
Result<std::vector<ShellAssignment>> parse_shell_assignments(std::string_view text, const std::string& path);

// The value the shell would assign: quotes removed, $NAME and ${NAME}
// substituted from `vars` (unset names are empty). Command substitution and
// other ${...} forms are refused (EINVAL): we cannot know their value.
Result<std::string> expand_shell_word(std::string_view raw, const std::map<std::string, std::string>& vars);

// The elements of an array value "(a 'b c' \"d\")", quotes removed. An
// element that needs expanding ($, `) is refused (EINVAL): we cannot know it.
Result<std::vector<std::string>> shell_array_words(std::string_view raw);

// The part of a raw word we can edit as a plain list of words: the inside of
// "..." or '...' or a bare word. Fails for words mixing quotes or escapes.
struct EditableWord {
    size_t begin = 0, end = 0; // inside the raw word
    char quote = 0;            // '"', '\'' or 0
};
Result<EditableWord> editable_part(std::string_view raw);

} // namespace vb
