/*
 * pipes.h - bare pipes for the java.lang.Process adapter (Processes): its children's stdio and
 * the child-to-child links of a pipeline are pipes the parent makes itself and hands to the
 * spawn as inherited fds.
 */
#ifndef FORKEXEC_PIPES_H
#define FORKEXEC_PIPES_H

/*
 * pipe2(O_CLOEXEC): fds[0] the read end, fds[1] the write end; 0 or errno. Both ends are
 * close-on-exec, so no child started by anything in this JVM inherits them by accident; the
 * spawn's fd map dup3s an end onto the child fd it names, which clears the flag there only.
 */
int fe_pipe_cloexec(int fds[2]);

#endif
