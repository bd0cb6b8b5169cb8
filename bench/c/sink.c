/* S5 child: reads stdin to EOF (128 KiB reads, like cat) and exits 0: `cat > /dev/null` without the shell. */
#include <errno.h>
#include <unistd.h>

static char buf[128 * 1024];

int main(void) {
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n > 0) continue;
        if (n == 0) return 0;
        if (errno != EINTR) return 1;
    }
}
