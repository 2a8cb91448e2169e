//! Prints the confusion matrix of the bounce classifier over the labelled corpus
//! (`cargo run --release --example bounce_confusion [-- --misses]`).

#[path = "../tests/support/bounce_score.rs"]
mod bounce_score;

fn main() {
    let Some(corpus) = bounce_score::corpus_dir() else {
        eprintln!("corpus not found: set MAILAUDIT_CORPUS to the shared/corpus directory");
        std::process::exit(3);
    };
    let score = bounce_score::score(&corpus);
    print!("{}", score.confusion_table());
    if std::env::args().any(|a| a == "--misses") {
        for r in score.rows.iter().filter(|r| r.expected != r.predicted) {
            println!(
                "\n{} #{} {} (expected {}, got {} by {}) <{}>\n    {}",
                r.file,
                r.rcpt_index,
                r.reason,
                r.expected.as_str(),
                r.predicted.as_str(),
                r.rule,
                r.recipient,
                mailaudit::text::truncate(&r.diagnostic, 300)
            );
        }
    }
}
