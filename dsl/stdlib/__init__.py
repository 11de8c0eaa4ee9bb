"""The built-in ADL library (`import <std_connector.camkes>;`): data files only."""
