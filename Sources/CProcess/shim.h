// Linux process control that Swift cannot call directly (prctl is variadic).
#include <signal.h>
#include <sys/prctl.h>

/// Asks the kernel to send `signal` to this process when its parent exits (PR_SET_PDEATHSIG).
/// Returns 0, or -1 with errno set.
static inline int graphprune_die_with_parent(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}
