// Migrations and templates are compiled into the binary; a new file in those
// folders must rebuild it, which cargo does not notice on its own.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
}
