// Linked into vfio-bind only, which is built without exception support
// (INITRAMFS_CXXFLAGS in the Makefile): its errors are Results, and in an
// initramfs the one thing to do about an impossible state (an allocation
// that fails, a broken invariant of the standard library) is to end the
// process and let the boot go on without it. libstdc++'s own helpers for
// those cases throw; linking them pulls in its exception classes,
// copy-on-write strings, and a demangler for the verbose terminate handler:
// about 60 KiB of the binary. These take their place: each one says what
// happened and aborts. (operator new and delete are the standard's own
// replaceable functions.)
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace {

[[noreturn]] void die(const char* what) {
    static const char kTag[] = "vfio-bind: fatal: ";
    (void)!::write(2, kTag, sizeof kTag - 1);
    (void)!::write(2, what, std::strlen(what));
    (void)!::write(2, "\n", 1);
    std::abort();
}

} // namespace

void* operator new(std::size_t n) {
    if (void* p = std::malloc(n ? n : 1)) return p;
    die("out of memory");
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

// Every function of libstdc++'s functexcept.o, so that it is never linked.
#define VB_DIE_WITH_TEXT(name)                                                                                         \
    void name(const char* what) { die(what); }
#define VB_DIE(name, text)                                                                                             \
    void name() { die(text); }
namespace std {
VB_DIE(__throw_bad_alloc, "out of memory")
VB_DIE(__throw_bad_array_new_length, "bad array length")
VB_DIE(__throw_bad_cast, "bad cast")
VB_DIE(__throw_bad_typeid, "bad typeid")
VB_DIE(__throw_bad_exception, "bad exception")
VB_DIE(__throw_bad_function_call, "empty std::function called")
VB_DIE_WITH_TEXT(__throw_logic_error)
VB_DIE_WITH_TEXT(__throw_domain_error)
VB_DIE_WITH_TEXT(__throw_invalid_argument)
VB_DIE_WITH_TEXT(__throw_length_error)
VB_DIE_WITH_TEXT(__throw_out_of_range)
VB_DIE_WITH_TEXT(__throw_runtime_error)
VB_DIE_WITH_TEXT(__throw_range_error)
VB_DIE_WITH_TEXT(__throw_overflow_error)
VB_DIE_WITH_TEXT(__throw_underflow_error)
void __throw_out_of_range_fmt(const char* fmt, ...) { die(fmt); }
} // namespace std

namespace __gnu_cxx {
void __verbose_terminate_handler() { die("terminate called"); }
} // namespace __gnu_cxx

// Nothing here throws, so no stack is ever unwound and nothing is caught:
// the unwinder, the C++ personality routine and the catch helpers that
// libstdc++'s own string code names (about 12 KiB of libgcc_eh and
// libsupc++) are replaced by the same end.
extern "C" {
int __gxx_personality_v0(int, int, unsigned long, void*, void*) { die("unwinding"); }
void _Unwind_Resume(void*) { die("unwinding"); }
void* __cxa_begin_catch(void*) noexcept { die("catch"); }
void __cxa_end_catch() { die("catch"); }
void __cxa_rethrow() { die("rethrow"); }
}
