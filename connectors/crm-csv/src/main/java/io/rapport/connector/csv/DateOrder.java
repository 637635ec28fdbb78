package io.rapport.connector.csv;

/** How to read an ambiguous numeric date such as {@code 03/04/2021}: day first, month first or year first. */
public enum DateOrder {
    /** 03/04/2021 is 3 April (most of Europe). */
    DMY,
    /** 03/04/2021 is 4 March (the United States). */
    MDY,
    /** 2021/04/03. */
    YMD
}
