/* Without libFuzzer: feeds every file named on the command line (or found in the
 * directories named) to LLVMFuzzerTestOneInput once, so meson test replays the
 * corpus under the sanitizers of the build. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
        _cleanup_free_ uint8_t *buf = NULL;
        FILE *f = fopen(path, "re");
        long size;

        if (!f)
                return -errno;
        if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -EIO;
        }
        buf = malloc((size_t) size + 1);
        if (!buf || fread(buf, 1, (size_t) size, f) != (size_t) size) {
                fclose(f);
                return -EIO;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) size);
        return 0;
}

static int replay_path(const char *path, unsigned *count)
{
        struct stat st;
        DIR *dir;
        struct dirent *de;
        int r = 0;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode)) {
                (*count)++;
                return replay_file(path);
        }
        dir = opendir(path);
        if (!dir)
                return -errno;
        while ((de = readdir(dir)) && r >= 0) {
                char child[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
                r = replay_path(child, count);
        }
        closedir(dir);
        return r;
}

int main(int argc, char **argv)
{
        unsigned count = 0;

        for (int i = 1; i < argc; i++) {
                int r = replay_path(argv[i], &count);

                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        return 1;
                }
        }
        if (count == 0) {
                fprintf(stderr, "no corpus files found\n");
                return 1;
        }
        printf("replayed %u inputs\n", count);
        return 0;
}
