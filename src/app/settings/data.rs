//! What the settings pages share of the data their layout loads.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::token::TokensPage;

/// The user's tokens, loaded once per page by the server for the banner
/// and the Audit Log's token filter.
#[derive(Clone, Copy)]
pub struct TokensData {
    pub list: Resource<Result<TokensPage, AppError>>,
}
