/* Run a command and report its wall time, its CPU time (user + system) and
 * peak resident memory (the child's ru_maxrss), so bench_check.sh needs no
 * /usr/bin/time. CPU time is what to compare on a loaded machine: wall time
 * counts the time other processes had the core.
 *
 * usage: check_measure COMMAND ARGS...   (prints "WALL_S MAXRSS_KB CPU_S" on
 * fd 3, or on stderr when fd 3 is not open; the command's output goes
 * through) */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: check_measure COMMAND ARGS...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    FILE *out = fdopen(3, "w");
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    fprintf(out ? out : stderr, "%.3f %ld %.3f\n", secs, ru.ru_maxrss, cpu);
    if (out)
        fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
