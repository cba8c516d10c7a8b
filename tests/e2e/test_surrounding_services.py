"""Chaman and e-Box in a real browser: a Group Manager grants the Chaman service to a user, who
then adds an SFTP channel with a key; the user reads an e-Box message and the unread count drops."""

import re

import pytest
from playwright.sync_api import Page, expect

from chaman.models import Channel, Sender, TechnicalContact
from ebox.models import Message
from tests.credentials import ssh_public_key

pytestmark = pytest.mark.e2e


def test_a_user_granted_chaman_adds_an_sftp_channel(page: Page, e2e_world, log_in, assert_accessible):
    world = e2e_world
    sender = Sender.objects.create(enterprise=world.enterprise, number="102030")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")

    # The Group Manager grants "Chaman" to Mats in the Employer group.
    log_in("group_manager")
    page.get_by_role("link", name="Acme").click()
    page.get_by_role("navigation", name="Enterprise menu").get_by_role("link", name="Employer").click()
    page.get_by_role("link", name="Edit Mats Member in this group").click()
    page.get_by_label("Online service").select_option(label="Chaman – management of technical channels")
    page.get_by_role("button", name="Grant").click()
    expect(page.get_by_text("The online service is granted.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Mats now has Chaman in his menu and adds an SFTP channel.
    log_in("member")
    page.get_by_role("link", name="Acme").click()
    page.get_by_role("navigation", name="Enterprise menu").get_by_role("link", name="Chaman").click()
    expect(page.get_by_role("heading", name="Chaman – technical channels")).to_be_visible()
    assert_accessible("Chaman")
    page.get_by_label("Kind of channel").select_option("sftp")
    page.get_by_label("SSH public key", exact=False).first.fill(ssh_public_key("mats@acme"))
    page.get_by_role("button", name="Add the channel").click()
    expect(page.get_by_text("The channel is added.")).to_be_visible()
    channel = Channel.objects.get(sender=sender)
    expect(page.get_by_text(channel.key_fingerprint)).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate the SFTP channel")).to_be_visible()
    assert_accessible("Chaman with a channel")


def test_a_user_reads_an_ebox_message_and_the_unread_count_drops(page: Page, e2e_world, log_in, assert_accessible):
    world = e2e_world
    Message.objects.create(enterprise=world.enterprise, sender_institution="ONSS", subject="Reminder", body="Hello")
    Message.objects.create(enterprise=world.enterprise, sender_institution="ONSS", subject="Second", body="Again")
    log_in("member")
    expect(page.get_by_role("link", name="2 unread e-Box messages")).to_be_visible()
    page.get_by_role("link", name="2 unread e-Box messages").click()
    expect(page.get_by_text("2 unread messages")).to_be_visible()
    assert_accessible("e-Box")
    page.get_by_role("link", name="Reminder").click()
    expect(page.get_by_role("heading", name="Reminder")).to_be_visible()
    assert_accessible("e-Box message")
    page.get_by_role("link", name="Back to the e-Box").click()
    expect(page.get_by_text("1 unread message", exact=True)).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("link", name=re.compile("1 unread e-Box message"))).to_be_visible()
