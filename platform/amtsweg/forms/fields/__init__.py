"""The built-in field types, one module each; importing this package registers them all."""

from amtsweg.forms.fields import (  # noqa: F401
    address,
    checkboxes,
    choice,
    date,
    email,
    file,
    group,
    iban,
    info,
    money,
    number,
    phone,
    text,
    yesno,
)
