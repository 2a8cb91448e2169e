pub mod bounce_score;
