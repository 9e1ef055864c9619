/* Hako's hello-world: a tiny static program whose output explains, like
 * Docker's own hello-world, what just happened. English by default, Japanese
 * when LANG (or LC_ALL / LC_MESSAGES) starts with "ja". */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char en[] =
  "\n"
  "Hello from Hako!\n"
  "This message shows that your installation appears to be working correctly.\n"
  "\n"
  "To generate this message, Hako took the following steps:\n"
  " 1. The Docker client contacted the Docker daemon.\n"
  " 2. The Docker daemon pulled the \"hello-world\" image.\n"
  "    (amd64)\n"
  " 3. The Docker daemon created a new container from that image which runs the\n"
  "    executable that produces the output you are currently reading.\n"
  " 4. The Docker daemon streamed that output to the Docker client, which sent it\n"
  "    to your terminal.\n"
  "\n"
  "Everything above ran inside your browser: an x86-64 CPU in WebAssembly ran\n"
  "this very program, a static Linux binary, on a Linux kernel model.\n"
  "\n"
  "To try something more ambitious, you can run a busybox container with:\n"
  " $ docker run -it busybox sh\n"
  "\n";

static const char ja[] =
  "\n"
  "Hako からこんにちは!\n"
  "このメッセージが表示されたなら、インストールは正しく動いているようです。\n"
  "\n"
  "このメッセージを出すために、Hako は次の手順を踏みました:\n"
  " 1. Docker クライアントが Docker デーモンに接続しました。\n"
  " 2. Docker デーモンが \"hello-world\" イメージを取得 (pull) しました。\n"
  "    (amd64)\n"
  " 3. Docker デーモンがそのイメージから新しいコンテナを作成し、\n"
  "    いま読んでいる出力を生成する実行ファイルを起動しました。\n"
  " 4. Docker デーモンがその出力を Docker クライアントに流し、\n"
  "    クライアントがあなたのターミナルに送りました。\n"
  "\n"
  "ここまですべてブラウザの中で動いています: WebAssembly の x86-64 CPU が、\n"
  "Linux カーネルのモデルの上で、この静的 Linux バイナリを実行しました。\n"
  "\n"
  "もっと本格的に試すなら、busybox コンテナを起動してみましょう:\n"
  " $ docker run -it busybox sh\n"
  "\n";

static int japanese(void) {
  const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
  for (unsigned i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return strncmp(v, "ja", 2) == 0;
  }
  return 0;
}

int main(void) {
  const char *msg = japanese() ? ja : en;
  size_t len = strlen(msg), off = 0;
  while (off < len) {
    ssize_t n = write(1, msg + off, len - off);
    if (n <= 0) return 1;
    off += (size_t)n;
  }
  return 0;
}
