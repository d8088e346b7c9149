"""How the feature vocabulary names things, shared by the steps and the Gherkin writer."""


def vm_name(number: int) -> str:
    """The steps say 'a backup job protecting 3 VMs': those are VM 1, VM 2 and VM 3, in job order."""
    return f"VM {number}"
