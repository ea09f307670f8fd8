pub mod files;
pub mod health;
pub mod tasks;
