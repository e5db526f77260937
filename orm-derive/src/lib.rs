//! `#[derive(Model)]` and `#[derive(FromRow)]` for the orm toolkit. Use them through `orm-core`,
//! which re-exports both; the attributes are documented there.

use proc_macro::TokenStream;

mod expand;

/// Maps a struct to a table: typed column handles, the neutral schema, row decoding and value lists.
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::model(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Decodes a row holding some of a model's columns into a plain struct (`Select::into_partial`).
#[proc_macro_derive(FromRow, attributes(orm))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::partial(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
