fn main() {
    println!("flsnn");
}
