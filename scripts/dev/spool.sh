# Sourced by the daemon's benchmark and fault-injection scripts (run from the repository root).
# make_spool DIR [TOML_LINE...]: an empty spool under DIR (inbox, work, outbox, failed, archive and a
# staging folder on the same filesystem) and DIR/config.toml for it: the shipped model on the CPU,
# a 0.2 s settle time, plus the given lines.
make_spool() {
  local dir=$1
  shift
  mkdir -p "$dir"/{inbox,work,outbox,failed,archive,staging}
  {
    for folder in inbox work outbox failed archive; do echo "$folder = \"$dir/$folder\""; done
    echo "model = \"$PWD/models/ganet-seg-unet.safetensors\""
    echo 'device = "cpu"'
    echo 'settle_seconds = 0.2'
    printf '%s\n' "$@"
  } > "$dir/config.toml"
}
